import * as z from "zod";

// Form schemas shared by the browser (Conform) and the server.
export const passwordSchema = z
  .string({ error: "Choose a password" })
  .min(10, "Use at least 10 characters")
  .max(200, "Use at most 200 characters")
  .refine((value) => value.trim().length === value.length, "The password must not start or end with a space");

export const inviteSchema = z.object({
  email: z
    .email("Enter an email address, such as sam@company.com")
    .max(254)
    .transform((email) => email.toLowerCase()),
  role: z.enum(["agent", "admin"], { error: "Choose a role" }),
});

export const acceptInviteSchema = z.object({
  name: z.string({ error: "Enter your name" }).trim().min(1, "Enter your name").max(100),
  password: passwordSchema,
});

export const profileNameSchema = z.object({ name: z.string({ error: "Enter your name" }).trim().min(1, "Enter your name").max(100) });

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(500),
    newPassword: passwordSchema,
    confirmPassword: z.string({ error: "Repeat the new password" }),
  })
  .refine((value) => value.newPassword === value.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords differ" });
