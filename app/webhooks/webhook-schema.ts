import * as z from "zod";
import { WEBHOOK_EVENTS } from "./webhook-events";

/** A webhook as an admin submits it (`/settings/webhooks`); shared by the form and the server. */
export const webhookSchema = z.object({
  url: z
    .string({ error: "Enter the endpoint's URL." })
    .trim()
    .min(1, "Enter the endpoint's URL.")
    .max(2000, "Keep the URL under 2,000 characters.")
    .refine((value) => URL.canParse(value) && ["https:", "http:"].includes(new URL(value).protocol), "Enter a full https:// URL.")
    .refine((value) => !URL.canParse(value) || (!new URL(value).username && !new URL(value).password), "Put credentials in the secret, not the URL."),
  description: z.string().trim().max(200, "Keep the description under 200 characters.").default(""),
  events: z
    .array(z.enum(WEBHOOK_EVENTS, { error: "Choose events from the list." }), { error: "Choose at least one event." })
    .min(1, "Choose at least one event.")
    .max(WEBHOOK_EVENTS.length)
    .transform((events) => WEBHOOK_EVENTS.filter((event) => events.includes(event))),
  active: z.boolean().default(false),
});

export type WebhookInput = z.output<typeof webhookSchema>;
