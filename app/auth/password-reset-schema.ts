import * as z from "zod";
import { passwordSchema } from "../team/team-schemas";

// Form schemas shared by the browser (Conform) and the server.
export const forgotPasswordSchema = z.object({
  email: z.email("Enter your email address, such as you@company.com").max(254),
});

/** The same rules as changing the password on the profile page. */
export const resetPasswordSchema = z
  .object({
    newPassword: passwordSchema,
    confirmPassword: z.string({ error: "Repeat the new password" }),
  })
  .refine((value) => value.newPassword === value.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords differ" });
