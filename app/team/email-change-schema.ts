import * as z from "zod";

// Shared by the browser (Conform) and the server.
export const emailChangeSchema = z.object({
  newEmail: z
    .email("Enter an email address, such as sam@company.com")
    .max(254)
    .transform((email) => email.toLowerCase()),
  currentPassword: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(500),
});
