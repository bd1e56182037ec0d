import * as z from "zod";

const domainPattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The SSO settings form, shared by the browser and the server. */
export const ssoSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  issuer: z.url("Enter the issuer URL, such as https://login.example.com").max(500).refine((value) => /^https?:\/\//.test(value), "The issuer must be an http(s) URL"),
  clientId: z.string({ error: "Enter the client id" }).trim().min(1, "Enter the client id").max(300),
  /** Empty keeps the stored secret. */
  clientSecret: z.string().max(500).optional(),
  autoCreateUsers: z.boolean().default(false),
  allowedDomains: z
    .string()
    .max(2000)
    .optional()
    .transform((value) => [...new Set((value ?? "").split(/[\s,]+/).map((d) => d.trim().toLowerCase()).filter(Boolean))])
    .refine((domains) => domains.every((d) => domainPattern.test(d)), "List domains such as example.com, separated by commas"),
});
