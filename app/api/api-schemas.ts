import * as z from "zod";
import { AUTHOR_TYPES, STATUS_CATEGORIES, USER_ROLES } from "../../db/tenant-enums";
import { customerFields, customerListSchema } from "../customers/customer-schemas";
import { positiveDecimal, rowIdParam } from "../route-params";
import {
  channelSchema,
  messageBodySchema,
  prioritySchema,
  statusSchema,
  subjectSchema,
  tagsSchema,
  ticketFilterFields,
  ticketNumberSchema,
} from "../tickets/ticket-schemas";
import { WEBHOOK_EVENTS } from "../webhooks/webhook-events";
import { webhookSchema as webhookFormSchema } from "../webhooks/webhook-schema";

/**
 * What `/api/*` accepts and returns. The routes validate with these schemas and the OpenAPI
 * document is generated from them, so the two cannot disagree. Inputs reuse the screens' field
 * schemas; every object is strict, so a misspelt field is a 400 instead of being ignored.
 */

const entityId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Response timestamps: ISO 8601 in UTC. The override drops zod's long regex from the document. */
const timestamp = z.iso.datetime().meta({
  override: ({ jsonSchema }) => {
    delete jsonSchema.pattern;
  },
});

// ---- path parameters -------------------------------------------------------------------------

export const ticketNumberPath = z.object({
  number: ticketNumberSchema.meta({ description: "The ticket's number in this workspace, e.g. 1042.", example: "1042" }),
});
export const customerIdPath = z.object({ id: rowIdParam.meta({ description: "The customer's id.", example: "17" }) });
const webhookId = rowIdParam.meta({ description: "The webhook's id.", example: "3" });
export const webhookIdPath = z.object({ id: webhookId });
export const webhookDeliveryPath = z.object({ id: webhookId, deliveryId: rowIdParam.meta({ description: "The delivery's id.", example: "1207" }) });

// ---- query strings ---------------------------------------------------------------------------

const limit = positiveDecimal(100, "limit is a whole number from 1 to 100.").default(50).meta({ description: "Items per page, 1 to 100." });
const cursor = z.string().max(400).optional().meta({ description: "`nextCursor` of the previous page; omit for the first page." });

export const noQuery = z.strictObject({});
export const pageQuery = z.strictObject({ limit, cursor });

/** The ticket list screen's filters, with the same defaults. */
export const ticketListQuery = z.strictObject({
  ...ticketFilterFields,
  status: ticketFilterFields.status.meta({
    description: "A status category: `unsolved` (new, open, pending and on hold), one category, or `all`.",
  }),
  statusKey: ticketFilterFields.statusKey.meta({
    description: "Only tickets in this one status (a key from `GET /api/ticket-statuses`); combine with `status=all` or its category.",
  }),
  assignee: ticketFilterFields.assignee.meta({ description: "`me`, `unassigned`, `any` or a member id." }),
  customer: ticketFilterFields.customer.meta({ description: "Only this customer's tickets (a customer id)." }),
  tag: ticketFilterFields.tag.meta({ description: "Only tickets with this tag." }),
  q: ticketFilterFields.q.meta({ description: "Full-text search in subjects and messages." }),
  sla: ticketFilterFields.sla.meta({
    description: "`breached`: a running SLA clock is past due; `due_soon`: one falls due within the hour (not yet breached).",
  }),
  sort: ticketFilterFields.sort.meta({
    description:
      "Newest first by `updated` (the default), `created`, `priority`, or `relevance` (the default with `q`); or `next_breach`: tickets with a running SLA clock by its due time (overdue first), then the others by `updated`.",
  }),
  cursor,
  limit,
});

export const customerListQuery = z.strictObject({
  ...customerListSchema.shape,
  q: customerListSchema.shape.q.meta({ description: "Search names, emails and companies (tolerates typos); best match first. Without it, customers by name." }),
  cursor,
  limit,
});

// ---- request bodies --------------------------------------------------------------------------

const email = customerFields.email.meta({ format: "email" });

export const newTicketBody = z
  .strictObject({
    subject: subjectSchema,
    message: messageBodySchema.meta({ description: "The customer's request: the ticket's first message, written as the customer's." }),
    customerId: entityId.optional().meta({ description: "An existing customer. Give this or `customer`." }),
    customer: z
      .strictObject({ name: customerFields.name, email })
      .optional()
      .meta({ description: "The customer by name and email: found by email (any case), else created. Give this or `customerId`." }),
    priority: prioritySchema.optional().meta({ description: "Default `normal`." }),
    status: statusSchema.optional().meta({ description: "An active status's key (`GET /api/ticket-statuses`). Default `open`." }),
    assigneeId: entityId.nullable().optional().meta({ description: "An active member; default unassigned." }),
    tags: tagsSchema.optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.customerId === undefined) === (value.customer === undefined)) {
      ctx.addIssue({ code: "custom", path: ["customerId"], message: "Give either customerId (an existing customer) or customer ({ name, email }), not both." });
    }
  })
  .meta({ id: "NewTicket", override: { oneOf: [{ required: ["customerId"] }, { required: ["customer"] }] } });

const ticketChangeFields = ["subject", "status", "priority", "assigneeId", "tags"] as const;

export const ticketChangesBody = z
  .strictObject({
    subject: subjectSchema.optional(),
    status: statusSchema.optional().meta({ description: "An active status's key (`GET /api/ticket-statuses`)." }),
    priority: prioritySchema.optional(),
    assigneeId: entityId.nullable().optional().meta({ description: "An active member, or null to unassign." }),
    tags: tagsSchema.optional().meta({ description: "The complete new list of tags." }),
    version: z.number().int().positive().max(2_147_483_647).optional().meta({
      description: "The `version` you read. If the ticket changed since, nothing is saved and the answer is 409 `version_conflict` with the current values.",
    }),
  })
  .refine((value) => ticketChangeFields.some((field) => value[field] !== undefined), { message: `Send at least one of ${ticketChangeFields.join(", ")}.` })
  .meta({ id: "TicketChanges", override: { anyOf: ticketChangeFields.map((field) => ({ required: [field] })) } });

export const newMessageBody = z
  .strictObject({
    body: messageBodySchema,
    internal: z.boolean().optional().meta({ description: "true for an internal note that the customer never sees; default false (a public reply)." }),
  })
  .meta({ id: "NewMessage" });

export const newCustomerBody = z.strictObject({ ...customerFields, email }).meta({ id: "NewCustomer" });

export const customerChangesBody = z
  .strictObject({ ...customerFields, email })
  .partial()
  .refine((value) => Object.values(value).some((field) => field !== undefined), { message: "Send at least one of name, email, company, phone." })
  .meta({ id: "CustomerChanges", description: "The fields to change; `company` or `phone` null (or empty) clears it." });

const webhookFields = {
  url: webhookFormSchema.shape.url.meta({
    description: "Where events are POSTed: a full URL (https in production) without credentials, at a public address.",
    format: "uri",
  }),
  description: webhookFormSchema.shape.description.unwrap().meta({ description: "A note for people, up to 200 characters." }),
  events: webhookFormSchema.shape.events.meta({ description: "The events to send, at least one; the order does not matter." }),
};

export const newWebhookBody = z
  .strictObject({
    ...webhookFields,
    description: webhookFields.description.default(""),
    active: z.boolean().default(true).meta({ description: "Whether events are sent; default true." }),
  })
  .meta({ id: "NewWebhook" });

const webhookChangeFields = ["url", "description", "events", "active"] as const;

export const webhookChangesBody = z
  .strictObject({
    url: webhookFields.url.optional(),
    description: webhookFields.description.optional(),
    events: webhookFields.events.optional().meta({ description: "The complete new list of events." }),
    active: z.boolean().optional().meta({ description: "Switches sending on or off; switching on clears `disabledReason`." }),
  })
  .refine((value) => webhookChangeFields.some((field) => value[field] !== undefined), { message: `Send at least one of ${webhookChangeFields.join(", ")}.` })
  .meta({ id: "WebhookChanges", override: { anyOf: webhookChangeFields.map((field) => ({ required: [field] })) } });

// ---- responses -------------------------------------------------------------------------------

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable, machine-readable: e.g. validation_failed, not_found, version_conflict." }),
      message: z.string().meta({ description: "For people; may change." }),
      details: z.unknown().meta({
        description: "null, or more about the error: the failed fields (validation_failed), the current values (version_conflict), the field (email_taken).",
      }),
    }),
  })
  .meta({ id: "Error" });

const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({ data: z.array(item), nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." }) })
    .meta({ id });

export const memberSchema = z.object({ id: entityId, email: z.string(), name: z.string(), role: z.enum(USER_ROLES) }).meta({ id: "Member" });

export const meSchema = z
  .object({
    user: memberSchema,
    workspace: z.object({ slug: z.string(), name: z.string() }),
    authenticatedWith: z.enum(["session", "token"]),
  })
  .meta({ id: "Me" });

const slaTargetSchema = z
  .object({
    state: z.enum(["running", "paused", "achieved", "breached"]).meta({ description: "As of the response: a running clock past its due time is `breached`." }),
    dueAt: timestamp
      .nullable()
      .meta({ description: "While running, when the target falls due; once breached, the breach instant; null while paused or once achieved." }),
    breachedAt: timestamp.nullable(),
    completedAt: timestamp.nullable().meta({ description: "When the clock stopped (the reply, or the solve), if it has." }),
    targetMinutes: z.number().meta({ description: "The target, in minutes on the policy's clock (business or calendar hours)." }),
  })
  .meta({ id: "SlaTarget" });

const slaSchema = z
  .object({
    policy: z.string().nullable().meta({ description: "The SLA policy in force; null when none applies." }),
    nextBreachAt: timestamp.nullable().meta({ description: "The earliest due time of a running clock (in the past when overdue); null when none runs." }),
    firstReply: slaTargetSchema.nullable(),
    nextReply: slaTargetSchema.nullable().meta({ description: "The reply the customer is waiting for, else the latest one answered." }),
    resolution: slaTargetSchema.nullable(),
  })
  .meta({ id: "TicketSla", description: "The ticket's service-level targets; a target is null when the policy sets none." });

const statusCategory = z.enum(STATUS_CATEGORIES).meta({ description: "The status's fixed category, which drives every rule (tabs, counts, reopening, SLA)." });

const ticketFields = {
  number: z.number().int(),
  subject: z.string(),
  status: statusSchema.meta({ description: "The workspace's status key." }),
  statusCategory,
  priority: prioritySchema,
  channel: channelSchema,
  tags: z.array(z.string()),
  assigneeId: entityId.nullable(),
  sla: slaSchema,
  createdAt: timestamp,
  updatedAt: timestamp,
};

export const ticketSummarySchema = z
  .object({
    ...ticketFields,
    customer: z.object({ id: entityId, name: z.string(), email: z.string() }),
    assignee: z.object({ id: entityId, name: z.string() }).nullable(),
  })
  .meta({ id: "TicketSummary" });
export const ticketPageSchema = page(ticketSummarySchema, "TicketPage");

export const ticketSchema = z
  .object({
    ...ticketFields,
    version: z.number().int().meta({ description: "Grows with every change; send it back in PATCH to refuse lost updates." }),
    customer: z.object({ id: entityId, name: z.string(), email: z.string(), company: z.string().nullable() }),
    firstResponseAt: timestamp.nullable(),
    solvedAt: timestamp.nullable(),
  })
  .meta({ id: "Ticket" });

/** `error.details.current` of a 409 version_conflict. */
export const ticketVersionSchema = z
  .object({
    number: z.number().int(),
    version: z.number().int(),
    subject: z.string(),
    status: statusSchema,
    statusCategory,
    priority: prioritySchema,
    assigneeId: entityId.nullable(),
    tags: z.array(z.string()),
  })
  .meta({ id: "TicketVersion" });

export const ticketStatusSchema = z
  .object({
    key: statusSchema.meta({ description: "What tickets' `status` holds and `PATCH` takes; never changes." }),
    category: statusCategory,
    agentLabel: z.string().meta({ description: "The name agents see." }),
    customerLabel: z.string().meta({ description: "The name customers see on the portal." }),
    position: z.number().int().meta({ description: "Order within its category." }),
    active: z.boolean().meta({ description: "A deactivated status cannot be chosen; tickets already in it keep it." }),
    builtIn: z.boolean().meta({ description: "Each category's own status (its key is the category's name): cannot be deactivated or deleted." }),
  })
  .meta({ id: "TicketStatus" });
export const ticketStatusListSchema = z
  .object({ data: z.array(ticketStatusSchema).meta({ description: "Every status, in category order (new … closed), then by `position`." }) })
  .meta({ id: "TicketStatusList" });

export const messageSchema = z
  .object({
    id: entityId,
    authorType: z.enum(AUTHOR_TYPES),
    authorName: z.string(),
    internal: z.boolean().meta({ description: "An internal note, never shown to the customer." }),
    body: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: "Message" });
export const messagePageSchema = page(messageSchema, "MessagePage");

export const customerSchema = z
  .object({
    id: entityId,
    name: z.string(),
    email: z.string(),
    company: z.string().nullable(),
    phone: z.string().nullable(),
    unsolvedTickets: z.number().int().meta({ description: "Open, pending and on-hold tickets." }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Customer" });
export const customerPageSchema = page(customerSchema, "CustomerPage");

export const activitySchema = z
  .object({
    id: entityId,
    action: z.string().meta({ description: "e.g. ticket.created, ticket.status_changed, ticket.replied, customer.updated." }),
    actor: z.object({ type: z.enum(AUTHOR_TYPES), id: entityId.nullable(), name: z.string() }),
    entityType: z.string(),
    entityId: entityId.nullable(),
    ticket: z.object({ number: z.number().int(), subject: z.string() }).nullable(),
    customer: z.object({ id: entityId, name: z.string() }).nullable(),
    changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).nullable(),
    members: z.record(z.string(), z.string()).meta({ description: "Names of the members an assignment change mentions, by id." }),
    createdAt: timestamp,
  })
  .meta({ id: "Activity" });
export const activityPageSchema = page(activitySchema, "ActivityPage");

const trend = z.object({ current: z.number().nullable(), previous: z.number().nullable() });
export const dashboardStatsSchema = z
  .object({
    new: z.number().int().meta({ description: "Tickets nobody has taken on yet." }),
    open: z.number().int(),
    unassigned: z.number().int(),
    pending: z.number().int(),
    created7d: trend.meta({ description: "Tickets created in the last 7 days against the 7 before." }),
    solvedToday: trend.meta({ description: "Solved since midnight UTC against the same part of the day a week ago." }),
    medianFirstResponseSeconds: trend,
    medianResolutionSeconds: trend,
    volume: z
      .array(z.object({ day: z.string(), created: z.number().int(), solved: z.number().int() }))
      .meta({ description: "Created and solved per UTC day, last 30 days." }),
    generatedAt: timestamp,
  })
  .meta({ id: "DashboardStats" });

const webhookEvent = z.enum(WEBHOOK_EVENTS);
const deliveryStatus = z.enum(["pending", "delivered", "failed"]).meta({
  description: "`pending` while being sent or retried, `delivered` once the endpoint answered 2xx, `failed` once every attempt failed.",
});

export const webhookSchema = z
  .object({
    id: entityId,
    url: z.string(),
    description: z.string(),
    events: z.array(webhookEvent),
    active: z.boolean().meta({ description: "Whether events are sent to it." }),
    disabledReason: z.string().nullable().meta({ description: "Why Conductor switched it off after sustained failure; null when an admin did (or it is on)." }),
    createdAt: timestamp,
    updatedAt: timestamp,
    lastDelivery: z
      .object({ status: deliveryStatus, responseStatus: z.number().int().nullable(), createdAt: timestamp })
      .nullable()
      .meta({ description: "The latest delivery's outcome; null before the first." }),
  })
  .meta({ id: "Webhook" });
export const webhookListSchema = z
  .object({ data: z.array(webhookSchema).meta({ description: "Every webhook (at most 20), oldest first." }) })
  .meta({ id: "WebhookList" });

export const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().meta({
      description: "The signing secret (`whsec_…`): configure it in the receiver. Only creating the webhook and rotating the secret answer it.",
    }),
  })
  .meta({ id: "WebhookWithSecret" });

export const webhookDeliverySchema = z
  .object({
    id: entityId,
    messageId: z.string().meta({ description: "The `webhook-id` header: the same on every attempt and redelivery, for receivers to de-duplicate on." }),
    event: z.string().meta({ description: "One of the webhook's events, or `webhook.test`." }),
    status: deliveryStatus,
    attempts: z.number().int().meta({ description: "Requests made so far (up to 10 per run of attempts)." }),
    responseStatus: z.number().int().nullable().meta({ description: "The HTTP status of the latest answer; null if none came." }),
    durationMs: z.number().int().nullable().meta({ description: "How long the latest attempt took." }),
    responseExcerpt: z.string().nullable().meta({ description: "The start of the latest answer's body (up to 2,000 characters)." }),
    lastError: z.string().nullable().meta({ description: "Why the latest attempt failed, if it did." }),
    lastAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
    payload: z.record(z.string(), z.unknown()).meta({ description: "The JSON body sent: `type`, `timestamp` and `data`." }),
  })
  .meta({ id: "WebhookDelivery" });
export const webhookDeliveryPageSchema = page(webhookDeliverySchema, "WebhookDeliveryPage");

export const queuedDeliverySchema = z
  .object({ deliveryId: entityId.meta({ description: "The delivery to follow in `GET /api/webhooks/{id}/deliveries`." }) })
  .meta({ id: "QueuedDelivery" });
