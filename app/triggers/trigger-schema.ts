import * as z from "zod";
import { STATUS_CATEGORIES, TICKET_CHANNELS, TICKET_PRIORITIES, type TicketPriority } from "../../db/tenant-enums";
import { unknownPlaceholderMessage, unknownPlaceholders } from "../macros/macro-placeholders";
import { positiveDecimal } from "../route-params";
import { MAX_TAGS_PER_TICKET, tagSchema } from "../tickets/ticket-schemas";
import { statusKeySchema } from "../ticket-statuses/ticket-status-schema";

/**
 * A trigger as stored (jsonb rows) and as `/settings/triggers` submits it. Shared by the form (in the
 * browser) and the server. The stored shapes are strict: the runner treats a row that no longer
 * parses as a condition that does not hold and an action that is skipped.
 */

export const TRIGGER_EVENTS = ["ticket_created", "ticket_updated", "customer_replied", "agent_replied"] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];
export const TRIGGER_EVENT_LABELS: Record<TriggerEvent, string> = {
  ticket_created: "A ticket is created",
  ticket_updated: "A ticket's properties change",
  customer_replied: "The customer replies",
  agent_replied: "An agent replies publicly",
};

export const MAX_TRIGGER_NAME_LENGTH = 80;
export const MAX_TRIGGER_CONDITIONS = 50;
export const MAX_TRIGGER_ACTIONS = 20;
export const MAX_TRIGGERS = 200;
export const MAX_CONDITION_TEXT_LENGTH = 200;
export const MAX_EMAIL_SUBJECT_LENGTH = 200;
export const MAX_TRIGGER_BODY_LENGTH = 20_000;

/** What a condition reads, the operators it takes and the kind of value it compares with. */
export const CONDITION_FIELDS = {
  status: { label: "Status", operators: ["is", "is_not", "changed_to", "changed_from"], value: "status" },
  status_category: { label: "Status category", operators: ["is", "is_not"], value: "category" },
  priority: { label: "Priority", operators: ["is", "is_not", "changed_to", "changed_from"], value: "priority" },
  channel: { label: "Channel", operators: ["is", "is_not"], value: "channel" },
  tags: { label: "Tags", operators: ["contains", "not_contains"], value: "tag" },
  subject: { label: "Subject", operators: ["contains", "not_contains"], value: "text" },
  message_body: { label: "Message text", operators: ["contains", "not_contains"], value: "text" },
  customer_email: { label: "Customer email", operators: ["is", "is_not"], value: "email" },
  customer_domain: { label: "Customer email domain", operators: ["is", "is_not"], value: "domain" },
  assignee: { label: "Assignee", operators: ["is", "is_not", "none", "changed"], value: "member" },
  business_hours: { label: "Business hours now", operators: ["within", "outside"], value: "none" },
} as const satisfies Record<string, { label: string; operators: readonly string[]; value: string }>;
export type ConditionField = keyof typeof CONDITION_FIELDS;
export const CONDITION_FIELD_NAMES = Object.keys(CONDITION_FIELDS) as ConditionField[];

export const OPERATOR_LABELS = {
  is: "is",
  is_not: "is not",
  changed_to: "changed to",
  changed_from: "changed from",
  contains: "contains",
  not_contains: "does not contain",
  none: "is nobody",
  changed: "changed",
  within: "within business hours",
  outside: "outside business hours",
} as const;

/** Operators that need no value. */
const VALUELESS: ReadonlySet<string> = new Set(["none", "changed", "within", "outside"]);
export const operatorTakesValue = (operator: string) => !VALUELESS.has(operator);

export type TriggerCondition = {
  [F in ConditionField]: { field: F; operator: (typeof CONDITION_FIELDS)[F]["operators"][number]; value?: string | number };
}[ConditionField];

export const ACTION_TYPES = {
  set_status: "Set status",
  set_priority: "Set priority",
  assign: "Assign to",
  add_tags: "Add tags",
  remove_tags: "Remove tags",
  add_note: "Add an internal note",
  email_customer: "Email the customer",
  email_assignee: "Email the assignee",
  email_address: "Email an address",
  call_webhook: "Call a webhook",
} as const;
export type TriggerActionType = keyof typeof ACTION_TYPES;
export const ACTION_TYPE_NAMES = Object.keys(ACTION_TYPES) as TriggerActionType[];

export type TriggerAction =
  | { type: "set_status"; status: string }
  | { type: "set_priority"; priority: TicketPriority }
  | { type: "assign"; assigneeId: number | null }
  | { type: "add_tags"; tags: string[] }
  | { type: "remove_tags"; tags: string[] }
  | { type: "add_note"; body: string }
  | { type: "email_customer"; subject: string; body: string }
  | { type: "email_assignee"; subject: string; body: string }
  | { type: "email_address"; address: string; subject: string; body: string }
  | { type: "call_webhook"; webhookId: number };

export type TriggerInput = {
  name: string;
  active: boolean;
  events: TriggerEvent[];
  match: "all" | "any";
  conditions: TriggerCondition[];
  actions: TriggerAction[];
};

const noControl = (value: string) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value);
const singleLineText = (max: number, what: string) =>
  z
    .string({ error: `Enter ${what}.` })
    .trim()
    .min(1, `Enter ${what}.`)
    .max(max, `Keep ${what} to ${max} characters.`)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), `${what[0]!.toUpperCase()}${what.slice(1)} cannot contain control characters or line breaks.`);
const template = (what: string) =>
  z
    .string({ error: `Write ${what}.` })
    .trim()
    .min(1, `Write ${what}.`)
    .max(MAX_TRIGGER_BODY_LENGTH, `Keep ${what} to ${MAX_TRIGGER_BODY_LENGTH.toLocaleString("en")} characters.`)
    .refine(noControl, `${what[0]!.toUpperCase()}${what.slice(1)} contains control characters.`)
    .superRefine((value, ctx) => {
      const unknown = unknownPlaceholders(value);
      if (unknown.length > 0) ctx.addIssue({ code: "custom", message: unknownPlaceholderMessage(unknown) });
    });
const subjectTemplate = singleLineText(MAX_EMAIL_SUBJECT_LENGTH, "a subject").superRefine((value, ctx) => {
  const unknown = unknownPlaceholders(value);
  if (unknown.length > 0) ctx.addIssue({ code: "custom", message: unknownPlaceholderMessage(unknown) });
});
const memberId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const emailAddress = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "Keep the address to 254 characters.")
  .pipe(z.email("Enter an email address such as help@example.com."));
const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253, "Keep the domain to 253 characters.")
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "Enter a domain such as example.com.");
const conditionText = singleLineText(MAX_CONDITION_TEXT_LENGTH, "the text to look for");

const VALUE_SCHEMAS: Record<string, z.ZodType<string | number>> = {
  status: statusKeySchema,
  category: z.enum(STATUS_CATEGORIES, { error: "Choose a status category." }),
  priority: z.enum(TICKET_PRIORITIES, { error: "Choose a priority." }),
  channel: z.enum(TICKET_CHANNELS, { error: "Choose a channel." }),
  tag: tagSchema,
  text: conditionText,
  email: emailAddress,
  domain: domainName,
  member: memberId,
};

/** One stored condition. */
export const triggerConditionSchema: z.ZodType<TriggerCondition> = z
  .object({ field: z.string(), operator: z.string(), value: z.union([z.string(), z.number()]).optional() })
  .strict()
  .transform((row, ctx): TriggerCondition => {
    const definition = CONDITION_FIELDS[row.field as ConditionField] as (typeof CONDITION_FIELDS)[ConditionField] | undefined;
    if (!Object.hasOwn(CONDITION_FIELDS, row.field) || !definition) {
      ctx.addIssue({ code: "custom", path: ["field"], message: "Choose a condition from the list." });
      return z.NEVER;
    }
    if (!(definition.operators as readonly string[]).includes(row.operator)) {
      const allowed = definition.operators.map((operator) => OPERATOR_LABELS[operator]).join(", ");
      ctx.addIssue({ code: "custom", path: ["operator"], message: `${definition.label} takes: ${allowed}.` });
      return z.NEVER;
    }
    if (!operatorTakesValue(row.operator)) return { field: row.field, operator: row.operator } as TriggerCondition;
    const parsed = VALUE_SCHEMAS[definition.value]!.safeParse(row.value);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", path: ["value"], message: parsed.error.issues[0]?.message ?? "Enter a value." });
      return z.NEVER;
    }
    return { field: row.field, operator: row.operator, value: parsed.data } as TriggerCondition;
  });

const tagList = z
  .array(tagSchema)
  .min(1, "Enter at least one tag.")
  .max(MAX_TAGS_PER_TICKET, `A trigger changes at most ${MAX_TAGS_PER_TICKET} tags each way.`)
  .transform((tags) => [...new Set(tags)]);

/** One stored action. */
export const triggerActionSchema: z.ZodType<TriggerAction> = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("set_status"), status: statusKeySchema }).strict(),
    z.object({ type: z.literal("set_priority"), priority: z.enum(TICKET_PRIORITIES, { error: "Choose a priority." }) }).strict(),
    z.object({ type: z.literal("assign"), assigneeId: memberId.nullable() }).strict(),
    z.object({ type: z.literal("add_tags"), tags: tagList }).strict(),
    z.object({ type: z.literal("remove_tags"), tags: tagList }).strict(),
    z.object({ type: z.literal("add_note"), body: template("the note") }).strict(),
    z.object({ type: z.literal("email_customer"), subject: subjectTemplate, body: template("the email") }).strict(),
    z.object({ type: z.literal("email_assignee"), subject: subjectTemplate, body: template("the email") }).strict(),
    z.object({ type: z.literal("email_address"), address: emailAddress, subject: subjectTemplate, body: template("the email") }).strict(),
    z.object({ type: z.literal("call_webhook"), webhookId: memberId }).strict(),
  ],
  { error: "Choose an action from the list." },
);

const nameSchema = singleLineText(MAX_TRIGGER_NAME_LENGTH, "a name");
const eventsSchema = z
  .array(z.enum(TRIGGER_EVENTS, { error: "Choose events from the list." }), { error: "Choose at least one event." })
  .min(1, "Choose at least one event.")
  .max(TRIGGER_EVENTS.length)
  .transform((events) => TRIGGER_EVENTS.filter((event) => events.includes(event)));
const matchSchema = z.enum(["all", "any"], { error: "Choose whether all or any conditions must hold." });

/** A whole trigger, as the domain (and the API) takes it. */
export const triggerInputSchema: z.ZodType<TriggerInput> = z
  .object({
    name: nameSchema,
    active: z.boolean(),
    events: eventsSchema,
    match: matchSchema,
    conditions: z.array(triggerConditionSchema).max(MAX_TRIGGER_CONDITIONS, `A trigger has at most ${MAX_TRIGGER_CONDITIONS} conditions.`),
    actions: z.array(triggerActionSchema).min(1, "Add at least one action.").max(MAX_TRIGGER_ACTIONS, `A trigger has at most ${MAX_TRIGGER_ACTIONS} actions.`),
  })
  .strict();

// The form: condition and action rows of strings (Conform's `conditions[0].field`), turned into the stored shapes.

const optionalText = z.string().optional();
const conditionRow = z
  .object({ field: z.string({ error: "Choose a condition." }), operator: z.string({ error: "Choose an operator." }), value: optionalText })
  .strict();
const actionRow = z.object({ type: z.string({ error: "Choose an action." }), value: optionalText, subject: optionalText, body: optionalText }).strict();
const formId = positiveDecimal(Number.MAX_SAFE_INTEGER, "Choose one of the listed options.");

function issuePath(ctx: z.RefinementCtx, base: (string | number)[], issues: z.core.$ZodIssue[]) {
  for (const issue of issues.slice(0, 1)) ctx.addIssue({ code: "custom", path: [...base, ...(issue.path as (string | number)[])], message: issue.message });
}

function conditionFromRow(row: z.output<typeof conditionRow>, index: number, ctx: z.RefinementCtx): TriggerCondition | null {
  const definition = Object.hasOwn(CONDITION_FIELDS, row.field) ? CONDITION_FIELDS[row.field as ConditionField] : undefined;
  let value: string | number | undefined = row.value;
  if (definition?.value === "member" && row.value !== undefined && operatorTakesValue(row.operator)) {
    const id = formId.safeParse(row.value);
    if (!id.success) {
      ctx.addIssue({ code: "custom", path: ["conditions", index, "value"], message: "Choose one of the listed members." });
      return null;
    }
    value = id.data;
  }
  const parsed = triggerConditionSchema.safeParse(
    operatorTakesValue(row.operator) ? { field: row.field, operator: row.operator, value } : { field: row.field, operator: row.operator },
  );
  if (!parsed.success) {
    issuePath(ctx, ["conditions", index], parsed.error.issues);
    return null;
  }
  return parsed.data;
}

function actionFromRow(row: z.output<typeof actionRow>, index: number, ctx: z.RefinementCtx): TriggerAction | null {
  const value = row.value?.trim() ?? "";
  const path = ["actions", index];
  const splitTags = () => value.split(/[,\s]+/).filter(Boolean);
  let candidate: Record<string, unknown>;
  switch (row.type) {
    case "set_status":
      candidate = { type: row.type, status: value };
      break;
    case "set_priority":
      candidate = { type: row.type, priority: value };
      break;
    case "assign": {
      if (value === "nobody") candidate = { type: row.type, assigneeId: null };
      else {
        const id = formId.safeParse(value);
        if (!id.success) {
          ctx.addIssue({ code: "custom", path: [...path, "value"], message: "Choose a member, or nobody." });
          return null;
        }
        candidate = { type: row.type, assigneeId: id.data };
      }
      break;
    }
    case "add_tags":
    case "remove_tags":
      candidate = { type: row.type, tags: splitTags() };
      break;
    case "add_note":
      candidate = { type: row.type, body: row.body ?? "" };
      break;
    case "email_customer":
    case "email_assignee":
      candidate = { type: row.type, subject: row.subject ?? "", body: row.body ?? "" };
      break;
    case "email_address":
      candidate = { type: row.type, address: value, subject: row.subject ?? "", body: row.body ?? "" };
      break;
    case "call_webhook": {
      const id = formId.safeParse(value);
      if (!id.success) {
        ctx.addIssue({ code: "custom", path: [...path, "value"], message: "Choose one of the listed webhooks." });
        return null;
      }
      candidate = { type: row.type, webhookId: id.data };
      break;
    }
    default:
      ctx.addIssue({ code: "custom", path: [...path, "type"], message: "Choose an action from the list." });
      return null;
  }
  const parsed = triggerActionSchema.safeParse(candidate);
  if (!parsed.success) {
    // The stored field names (status, tags, address, webhookId…) are the form's `value`.
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0];
    const formKey = key === "subject" || key === "body" || key === "type" ? key : "value";
    ctx.addIssue({ code: "custom", path: [...path, formKey], message: issue.message });
    return null;
  }
  return parsed.data;
}

export const triggerFormSchema = z
  .object({
    name: nameSchema,
    active: z.literal("on").optional(),
    events: z.preprocess((value) => (typeof value === "string" ? [value] : value), eventsSchema),
    match: matchSchema.default("all"),
    conditions: z.array(conditionRow).max(MAX_TRIGGER_CONDITIONS, `A trigger has at most ${MAX_TRIGGER_CONDITIONS} conditions.`).default([]),
    actions: z
      .array(actionRow)
      .min(1, "Add at least one action.")
      .max(MAX_TRIGGER_ACTIONS, `A trigger has at most ${MAX_TRIGGER_ACTIONS} actions.`)
      .default([]),
  })
  .transform((form, ctx): TriggerInput => {
    const conditions = form.conditions.map((row, index) => conditionFromRow(row, index, ctx));
    const actions = form.actions.map((row, index) => actionFromRow(row, index, ctx));
    if (conditions.includes(null) || actions.includes(null)) return z.NEVER;
    return {
      name: form.name,
      active: form.active === "on",
      events: form.events,
      match: form.match,
      conditions: conditions as TriggerCondition[],
      actions: actions as TriggerAction[],
    };
  });

/** A stored trigger's rows as the form's strings, for editing. */
export function triggerFormValues(input: TriggerInput) {
  return {
    name: input.name,
    active: input.active ? "on" : undefined,
    events: input.events,
    match: input.match,
    conditions: input.conditions.map((condition) => ({
      field: condition.field,
      operator: condition.operator,
      value: condition.value === undefined ? "" : String(condition.value),
    })),
    actions: input.actions.map((action) => {
      switch (action.type) {
        case "set_status":
          return { type: action.type, value: action.status };
        case "set_priority":
          return { type: action.type, value: action.priority };
        case "assign":
          return { type: action.type, value: action.assigneeId === null ? "nobody" : String(action.assigneeId) };
        case "add_tags":
        case "remove_tags":
          return { type: action.type, value: action.tags.join(" ") };
        case "add_note":
          return { type: action.type, body: action.body };
        case "email_customer":
        case "email_assignee":
          return { type: action.type, subject: action.subject, body: action.body };
        case "email_address":
          return { type: action.type, value: action.address, subject: action.subject, body: action.body };
        case "call_webhook":
          return { type: action.type, value: String(action.webhookId) };
      }
    }),
  };
}

/** Stored rows read back: a row that no longer parses is null (a condition that fails, an action skipped). */
export function readConditions(stored: unknown): Array<TriggerCondition | null> {
  return Array.isArray(stored) ? stored.map((row) => triggerConditionSchema.safeParse(row).data ?? null) : [];
}
export function readActions(stored: unknown): Array<TriggerAction | null> {
  return Array.isArray(stored) ? stored.map((row) => triggerActionSchema.safeParse(row).data ?? null) : [];
}
