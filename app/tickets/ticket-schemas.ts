import * as z from "zod";
import { SLA_VIEWS } from "../service-levels/sla-display";
import { TICKET_CHANNELS, TICKET_PRIORITIES } from "../../db/tenant-enums";
import { POSTGRES_INTEGER_MAX, positiveDecimal, rowIdParam, ticketNumberParam } from "../route-params";
import { statusKeySchema } from "../ticket-statuses/ticket-status-schema";
import { STATUS_TABS, TICKET_SORTS } from "./ticket-labels";

/** Shared by the screens (Conform, URL state) and the JSON API, so both accept exactly the same input. */

export { STATUS_TABS, type StatusTab, type TicketSort } from "./ticket-labels";
export { UNSOLVED_CATEGORIES } from "../../db/tenant-enums";

/** A workspace status's key (`waiting_on_vendor`); whether it exists is the domain's question. */
export const statusSchema = statusKeySchema;
export const prioritySchema = z.enum(TICKET_PRIORITIES);
export const channelSchema = z.enum(TICKET_CHANNELS);

/** An id chosen in a form's select or radio. */
const formId = positiveDecimal(Number.MAX_SAFE_INTEGER, "Choose one of the listed options.");
export const ticketNumberSchema = ticketNumberParam;

/**
 * The most tags a ticket may have. The domain enforces it (a ticket that already has more, from
 * before the rule, can still be saved as long as it does not gain tags); requests are only bounded.
 */
export const MAX_TAGS_PER_TICKET = 20;
const MAX_TAGS_IN_A_REQUEST = 100;

export const tagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(40, "A tag has at most 40 characters.")
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u, "Tags use letters, digits, '-', '_' and '.', without spaces.");
export const tagsSchema = z
  .array(tagSchema)
  .max(MAX_TAGS_IN_A_REQUEST, `At most ${MAX_TAGS_IN_A_REQUEST} tags.`)
  .transform((tags) => [...new Set(tags)]);
/** A form's comma- or space-separated tag list. */
export const tagListSchema = z
  .string()
  .optional()
  .transform((value) => (value ?? "").split(/[,\s]+/).filter(Boolean))
  .pipe(tagsSchema);

/** Filters of the ticket list, read from the URL (screen) or the query string (API). */
export const ticketFilterFields = {
  /** A tab: unsolved, all, or one category. */
  status: z.enum(STATUS_TABS).default("unsolved"),
  /** One of the workspace's statuses (within the tab's category). */
  statusKey: statusKeySchema.optional(),
  priority: prioritySchema.optional(),
  assignee: z
    .union([z.enum(["me", "unassigned", "any"]), positiveDecimal(Number.MAX_SAFE_INTEGER, "assignee is me, unassigned, any or a member id")])
    .default("any"),
  customer: rowIdParam.optional(),
  tag: tagSchema.optional(),
  channel: channelSchema.optional(),
  q: z
    .string()
    .trim()
    .max(200, "Search for at most 200 characters.")
    .optional()
    .transform((value) => value || undefined),
  sla: z.enum(SLA_VIEWS).optional(),
  sort: z.enum(TICKET_SORTS).optional(),
  cursor: z.string().max(400).optional(),
};
export const ticketFiltersSchema = z.object(ticketFilterFields);
export type TicketFilters = z.output<typeof ticketFiltersSchema>;

/** Reads the list state from URL search params; anything malformed falls back to its default so a bad link still opens. */
export function ticketFiltersFromSearchParams(params: URLSearchParams): TicketFilters {
  const raw = Object.fromEntries(params);
  const parsed: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ticketFilterFields)) {
    const result = (schema as z.ZodType).safeParse(raw[key] === "" ? undefined : raw[key]);
    // Parsed once: an id is a number after its schema, which a second parse of the whole would refuse.
    parsed[key] = result.success ? result.data : (schema as z.ZodType).parse(undefined);
  }
  return parsed as TicketFilters;
}

export const subjectSchema = z.string({ error: "Enter a subject." }).trim().min(1, "Enter a subject.").max(200, "Keep the subject under 200 characters.");
export const messageBodySchema = z
  .string({ error: "Write a message." })
  .trim()
  .min(1, "Write a message.")
  .max(20_000, "A message has at most 20,000 characters.")
  .refine((value) => !value.includes("\u0000"), "The message contains a NUL character.");

/** The agent's "New ticket" form: an existing customer, or the name and email of a new one. */
export const newTicketFormSchema = z
  .object({
    // Conform's parseWithZod already turns empty fields into undefined.
    customerId: formId.optional(),
    customerName: z.string().trim().max(120).optional(),
    customerEmail: z.string().trim().max(254).pipe(z.email("Enter a valid email address.")).optional(),
    subject: subjectSchema,
    message: messageBodySchema,
    priority: prioritySchema.default("normal"),
    assigneeId: formId.optional(),
    tags: tagListSchema,
  })
  .superRefine((value, ctx) => {
    if (value.customerId) return;
    if (!value.customerEmail) ctx.addIssue({ code: "custom", path: ["customerEmail"], message: "Choose a customer, or enter the new customer's email." });
    if (!value.customerName) ctx.addIssue({ code: "custom", path: ["customerName"], message: "Enter the new customer's name." });
  });

export const replyFormSchema = z.object({
  body: messageBodySchema,
  kind: z.enum(["public", "internal"]).default("public"),
});

/** The properties panel. `version` is what the agent saw; a newer version means someone else changed the ticket. */
export const ticketPropertiesFormSchema = z.object({
  version: positiveDecimal(POSTGRES_INTEGER_MAX),
  status: statusSchema,
  priority: prioritySchema,
  assigneeId: formId.optional(),
  tags: tagListSchema,
});

export const bulkFormSchema = z.discriminatedUnion("bulk", [
  z.object({ bulk: z.literal("assign"), numbers: z.array(ticketNumberSchema).min(1).max(100), assigneeId: z.union([z.literal("none"), formId]) }),
  z.object({ bulk: z.literal("status"), numbers: z.array(ticketNumberSchema).min(1).max(100), status: statusSchema }),
  z.object({ bulk: z.literal("priority"), numbers: z.array(ticketNumberSchema).min(1).max(100), priority: prioritySchema }),
  z.object({ bulk: z.literal("tag"), numbers: z.array(ticketNumberSchema).min(1).max(100), tag: tagSchema }),
]);
