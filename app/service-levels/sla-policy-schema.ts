import * as z from "zod";
import { TICKET_CHANNELS, TICKET_PRIORITIES, UNSOLVED_CATEGORIES, type TicketPriority } from "../../db/tenant-enums";
import { statusKeySchema } from "../ticket-statuses/ticket-status-schema";
import { positiveDecimal, rowIdParam } from "../route-params";
import { tagsSchema } from "../tickets/ticket-schemas";
import type { SlaTargets } from "./sla-clock";

/** An SLA policy as an admin submits it (`/settings/sla`); shared by the form and the server. */

export const MAX_POLICY_NAME_LENGTH = 80;
export const MAX_TARGET_MINUTES = 525_600;
export const MAX_CUSTOMER_DOMAINS = 50;
const MAX_CATEGORIES = 50;
const MAX_DURATION_LENGTH = 40;

export const SLA_METRICS = ["firstReply", "nextReply", "resolution"] as const satisfies ReadonlyArray<keyof SlaTargets>;
export type SlaMetricName = (typeof SLA_METRICS)[number];

/** The categories whose statuses an admin may let pause the resolution clock; solved and closed stop every clock anyway. */
export const PAUSABLE_CATEGORIES = UNSOLVED_CATEGORIES;
/** Status keys: the built-in Pending and On hold. */
export const DEFAULT_PAUSED_STATUSES: string[] = ["pending", "on_hold"];
const MAX_PAUSED_STATUSES = 100;

/** The clock choice of a policy measured in calendar hours (no business schedule). */
export const CALENDAR_CLOCK = "calendar";

const UNIT_MINUTES: Record<string, number> = { d: 1440, h: 60, m: 1 };
const DURATION_SHAPE = /^(?:\d+\s*(?:d|days?|h|hrs?|hours?|m|mins?|minutes?)[\s,]*)+$/i;

/**
 * Minutes from what an admin types: plain minutes ("90"), or days, hours and minutes ("90m", "2h",
 * "1d 4h", "1h30m"). A day is 24 hours of the policy's clock, not a working day. Null when unreadable.
 */
export function parseDuration(text: string): number | null {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value);
  if (!DURATION_SHAPE.test(value)) return null;
  // The shape is known: numbers, each followed by a unit whose first letter says which. A scan, not a
  // global regular expression, which would retry from every digit of a long number (quadratic).
  let minutes = 0;
  let amount = "";
  let unitSeen = false;
  for (const char of value) {
    if (char >= "0" && char <= "9") {
      amount += char;
      unitSeen = false;
    } else if (/[a-z]/i.test(char) && !unitSeen && amount) {
      minutes += Number(amount) * UNIT_MINUTES[char.toLowerCase()]!;
      amount = "";
      unitSeen = true;
    }
  }
  return minutes;
}

/** "1h 30m", "8h", "45m": hours and minutes only, since a "day" would read as a working day on a business clock. */
export function formatDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return [hours ? `${hours}h` : "", rest || !hours ? `${rest}m` : ""].filter(Boolean).join(" ");
}

const DURATION_MESSAGE = `Enter minutes, or a time such as 90m, 2h or 1d 4h (from 1 minute to ${MAX_TARGET_MINUTES / 1440} days).`;

const durationSchema = z
  .string({ error: DURATION_MESSAGE })
  .max(MAX_DURATION_LENGTH, DURATION_MESSAGE)
  .transform((text, ctx) => {
    const minutes = parseDuration(text);
    if (minutes === null || !Number.isSafeInteger(minutes) || minutes < 1 || minutes > MAX_TARGET_MINUTES) {
      ctx.addIssue({ code: "custom", message: DURATION_MESSAGE });
      return z.NEVER;
    }
    return minutes;
  })
  // Conform turns an empty field into undefined: that metric has no target.
  .optional();

const metricTargetsSchema = z.object({ firstReply: durationSchema, nextReply: durationSchema, resolution: durationSchema }).default({});

const targetsSchema = z
  .object(Object.fromEntries(TICKET_PRIORITIES.map((priority) => [priority, metricTargetsSchema])) as Record<TicketPriority, typeof metricTargetsSchema>)
  .default({ low: {}, normal: {}, high: {}, urgent: {} })
  .superRefine((targets, ctx) => {
    const any = Object.values(targets).some((metrics) => SLA_METRICS.some((metric) => metrics[metric] !== undefined));
    if (!any) ctx.addIssue({ code: "custom", message: "Set at least one target." });
  })
  // Only the targets that are set are stored.
  .transform((targets) => {
    const stored: Partial<Record<TicketPriority, SlaTargets>> = {};
    for (const priority of TICKET_PRIORITIES) {
      const metrics = Object.fromEntries(
        SLA_METRICS.flatMap((metric) => (targets[priority][metric] === undefined ? [] : [[metric, targets[priority][metric]]])),
      );
      if (Object.keys(metrics).length) stored[priority] = metrics as SlaTargets;
    }
    return stored;
  });

/** Splits a comma- or space-separated list and checks it as a whole, so an error shows next to its one field. */
function listField<T>(items: z.ZodType<T[], string[]>, normalise: (item: string) => string = (item) => item) {
  return z
    .string()
    .max(5000, "Shorten the list.")
    .optional()
    .transform((value, ctx) => {
      const parsed = items.safeParse(
        (value ?? "")
          .split(/[\s,;]+/)
          .map(normalise)
          .filter(Boolean),
      );
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: "custom", message: parsed.error.issues[0]?.message ?? "Check the list." });
      return z.NEVER;
    });
}

const customerDomainsSchema = listField(
  z
    .array(z.string().regex(z.regexes.domain, "List email domains such as example.com, separated by commas."))
    .max(MAX_CUSTOMER_DOMAINS, `At most ${MAX_CUSTOMER_DOMAINS} domains.`)
    .transform((domains) => [...new Set(domains)]),
  // "@example.com" reads as example.com.
  (domain) => domain.replace(/^@/, "").toLowerCase(),
);

/** Tags normalised as on tickets (trimmed, lower-cased, the same characters); a ticket with any of them matches. */
const tagsConditionSchema = listField(tagsSchema);

const categoriesSchema = z
  .array(z.string().trim().min(1).max(60, "A category has at most 60 characters."))
  .max(MAX_CATEGORIES, `At most ${MAX_CATEGORIES} categories.`)
  .default([])
  .transform((categories) => [...new Set(categories)]);

const CLOCK_MESSAGE = "Choose business hours from the list, or calendar hours.";

export const MAX_WARNING_MINUTES = 7 * 24 * 60;
export const DEFAULT_WARNING_MINUTES = 30;
const WARNING_MESSAGE = "Enter minutes, or a time such as 45m or 2h (at most 7 days); 0 sends no warning.";

/** How long before a target falls due the assignee is warned; blank or 0 for no warning. */
const warningSchema = z
  .string({ error: WARNING_MESSAGE })
  .max(MAX_DURATION_LENGTH, WARNING_MESSAGE)
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return 0;
    const minutes = parseDuration(text);
    if (minutes === null || !Number.isSafeInteger(minutes) || minutes > MAX_WARNING_MINUTES) {
      ctx.addIssue({ code: "custom", message: WARNING_MESSAGE });
      return z.NEVER;
    }
    return minutes;
  });

export const slaPolicySchema = z.object({
  name: z
    .string({ error: "Name the policy." })
    .trim()
    .min(1, "Name the policy.")
    .max(MAX_POLICY_NAME_LENGTH, `Keep the name under ${MAX_POLICY_NAME_LENGTH} characters.`),
  active: z.boolean().default(false),
  conditions: z
    .object({
      priorities: z
        .array(z.enum(TICKET_PRIORITIES, { error: "Choose priorities from the list." }))
        .default([])
        .transform((values) => [...new Set(values)]),
      channels: z
        .array(z.enum(TICKET_CHANNELS, { error: "Choose channels from the list." }))
        .default([])
        .transform((values) => [...new Set(values)]),
      tags: tagsConditionSchema,
      customerDomains: customerDomainsSchema,
      categories: categoriesSchema,
    })
    .default({ priorities: [], channels: [], tags: [], customerDomains: [], categories: [] }),
  targets: targetsSchema,
  /** A business schedule's id, or "calendar" (stored as null). */
  scheduleId: z.union([z.literal(CALENDAR_CLOCK).transform(() => null), positiveDecimal(Number.MAX_SAFE_INTEGER, CLOCK_MESSAGE)], { error: CLOCK_MESSAGE }),
  /** Status keys; that they exist and are unsolved is the domain's check. */
  pausedStatuses: z
    .array(statusKeySchema)
    .max(MAX_PAUSED_STATUSES, "Choose statuses from the list.")
    .default([])
    .transform((values) => [...new Set(values)].sort()),
  warnBeforeMinutes: warningSchema,
});

export type SlaPolicyInput = z.output<typeof slaPolicySchema>;

/** A move button of the policy list. */
export const slaPolicyMoveSchema = z.object({ direction: z.enum(["up", "down"]), policyId: rowIdParam });
