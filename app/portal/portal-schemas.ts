import * as z from "zod";
import { messageBodySchema, subjectSchema } from "../tickets/ticket-schemas";

/** The portal's forms: the same schemas validate in the browser (Conform) and on the server. */

export const portalEmailSchema = z
  .string({ error: "Enter your email address." })
  .trim()
  .max(254, "That email address is too long.")
  .pipe(z.email("Enter a valid email address."));

const nameSchema = z.string({ error: "Enter your name." }).trim().min(1, "Enter your name.").max(120, "Keep your name under 120 characters.");

/** "Submit a request". With categories defined by the workspace, choosing one is required. */
export function portalRequestSchema(categories: readonly string[]) {
  return z.object({
    name: nameSchema,
    email: portalEmailSchema,
    subject: subjectSchema,
    message: messageBodySchema,
    category:
      categories.length > 0
        ? z.string({ error: "Choose a category." }).refine((value) => categories.includes(value), "Choose one of the listed categories.")
        : z.undefined({ error: "This workspace has no categories." }).optional(),
  });
}
export type PortalRequestInput = z.output<ReturnType<typeof portalRequestSchema>>;
export type PortalRequestFields = z.input<ReturnType<typeof portalRequestSchema>>;

export const signInEmailSchema = z.object({ email: portalEmailSchema, redirectTo: z.string().max(500).optional() });

export const signInCodeSchema = z.object({
  email: portalEmailSchema,
  code: z
    .string({ error: "Enter the 6-digit code from the email." })
    .transform((value) => value.replace(/\s+/g, ""))
    .pipe(z.string().regex(/^\d{6}$/, "Enter the 6-digit code from the email.")),
  redirectTo: z.string().max(500).optional(),
});

export const portalReplySchema = z.object({ body: messageBodySchema });

/** Where the portal may send a customer after signing in: its own pages only. */
export function portalRedirectTarget(target: unknown): string {
  if (typeof target !== "string" || !/^\/portal(\/|\?|$)/.test(target) || /[\u0000-\u001f\\]/.test(target)) return "/portal/tickets";
  try {
    const resolved = new URL(target, "http://same.invalid");
    if (resolved.origin !== "http://same.invalid" || !/^\/portal(\/|$)/.test(resolved.pathname)) return "/portal/tickets";
    return resolved.pathname + resolved.search;
  } catch {
    return "/portal/tickets";
  }
}
