import * as z from "zod";

/** The admin's portal branding form (`/settings/portal`). */

export const MAX_PORTAL_CATEGORIES = 20;

const logoUrlSchema = z
  .string()
  .trim()
  .max(2000, "Keep the address under 2,000 characters.")
  .pipe(z.url({ protocol: /^https$/, hostname: z.regexes.domain, error: "Enter an https:// address of an image, such as https://example.com/logo.png." }));

const accentColorSchema = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, "Enter a colour as #rrggbb, such as #667eea.")
  .transform((value) => value.toLowerCase());

const categorySchema = z
  .string({ error: "Name the category, or remove this row." })
  .trim()
  .min(1, "Name the category, or remove this row.")
  .max(60, "Keep a category under 60 characters.");

export const portalSettingsSchema = z.object({
  // Conform turns an empty field into undefined: no logo, the default colours.
  logoUrl: logoUrlSchema.optional(),
  accentColor: accentColorSchema.optional(),
  categories: z
    .array(categorySchema)
    .max(MAX_PORTAL_CATEGORIES, `At most ${MAX_PORTAL_CATEGORIES} categories.`)
    .default([])
    .superRefine((categories, ctx) => {
      const seen = new Set<string>();
      categories.forEach((category, index) => {
        const key = category.toLowerCase();
        if (seen.has(key)) ctx.addIssue({ code: "custom", path: [index], message: "This category is listed twice." });
        seen.add(key);
      });
    }),
});
export type PortalSettingsInput = z.output<typeof portalSettingsSchema>;
