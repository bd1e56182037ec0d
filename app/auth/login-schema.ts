import * as z from "zod";

export const loginSchema = z.object({
  email: z.email("Enter your email address, such as you@company.com").max(254),
  password: z.string({ error: "Enter your password" }).min(1, "Enter your password").max(500),
  redirectTo: z.string().optional(),
});
