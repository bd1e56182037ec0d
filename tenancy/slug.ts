import { z } from "zod";

/** Subdomains we keep for ourselves; a tenant can never be reached through them. */
export const RESERVED_SLUGS = new Set([
  "www",
  "api",
  "admin",
  "portal",
  "app",
  "mail",
  "smtp",
  "imap",
  "pop",
  "ftp",
  "public",
  "control",
  "static",
  "assets",
  "cdn",
  "status",
  "help",
  "support",
  "docs",
  "blog",
  "login",
  "auth",
  "sso",
  "oauth",
  "account",
  "accounts",
  "billing",
  "dashboard",
  "system",
  "root",
  "internal",
  "localhost",
  "extensions",
  "information_schema",
  "drizzle",
  "test",
  "demo-template",
]);

export const slugSchema = z
  .string({ error: "a slug is required" })
  .min(3, "must be at least 3 characters")
  .max(40, "must be at most 40 characters")
  .regex(/^[a-z]/, "must start with a lowercase letter (a-z)")
  .regex(/^[a-z0-9-]+$/, "may contain only lowercase letters a-z, digits and dashes")
  .refine((slug) => !slug.endsWith("-"), "must not end with a dash")
  .refine((slug) => !slug.includes("--"), "must not contain two dashes in a row")
  .refine((slug) => !slug.startsWith("pg"), "must not start with 'pg' (reserved by PostgreSQL)")
  .refine((slug) => !RESERVED_SLUGS.has(slug), "is a reserved name; choose another");

export type SlugCheck = { ok: true; slug: string } | { ok: false; problem: string };

export function checkSlug(input: string): SlugCheck {
  const result = slugSchema.safeParse(input);
  if (result.success) return { ok: true, slug: result.data };
  return { ok: false, problem: `slug "${input}" ${result.error.issues[0]?.message ?? "is invalid"}` };
}
