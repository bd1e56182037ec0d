import * as z from "zod";

const domainPattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Why an issuer URL is refused, or null. Discovery appends `/.well-known/openid-configuration` to
 * it, so a query, fragment or user name would let the issuer point the server at any other path.
 */
export function issuerProblem(value: string, { httpsOnly }: { httpsOnly: boolean }): string | null {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return "Enter the issuer URL, such as https://login.example.com";
  if (httpsOnly && url.protocol !== "https:") return "The issuer must be an https URL";
  if (value.includes("?") || value.includes("#")) return "The issuer cannot have a query (?) or fragment (#)";
  if (url.username || url.password) return "The issuer cannot contain a user name or password";
  return null;
}

/** The SSO settings form, shared by the browser and the server; production accepts https issuers only. */
export function ssoSettingsSchemaFor({ httpsOnly }: { httpsOnly: boolean }) {
  return z.object({
    enabled: z.boolean().default(false),
    issuer: z
      .string({ error: "Enter the issuer URL, such as https://login.example.com" })
      .trim()
      .max(500)
      .superRefine((value, ctx) => {
        const problem = issuerProblem(value, { httpsOnly });
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    clientId: z.string({ error: "Enter the client id" }).trim().min(1, "Enter the client id").max(300),
    /** Empty keeps the stored secret. */
    clientSecret: z.string().max(500).optional(),
    autoCreateUsers: z.boolean().default(false),
    allowedDomains: z
      .string()
      .max(2000)
      .optional()
      .transform((value) => [
        ...new Set(
          (value ?? "")
            .split(/[\s,]+/)
            .map((d) => d.trim().toLowerCase())
            .filter(Boolean),
        ),
      ])
      .refine((domains) => domains.every((d) => domainPattern.test(d)), "List domains such as example.com, separated by commas"),
  });
}

export const ssoSettingsSchema = ssoSettingsSchemaFor({ httpsOnly: false });
