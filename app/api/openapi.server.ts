import * as z from "zod";
import { createDocument, type ZodOpenApiObject, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import { JSON_BODY_LIMIT } from "./api-request.server";
import {
  activityPageSchema,
  customerChangesBody,
  customerIdPath,
  customerListQuery,
  customerPageSchema,
  customerSchema,
  dashboardStatsSchema,
  errorSchema,
  meSchema,
  messagePageSchema,
  messageSchema,
  newCustomerBody,
  newMessageBody,
  newTicketBody,
  newWebhookBody,
  noQuery,
  pageQuery,
  queuedDeliverySchema,
  ticketChangesBody,
  ticketListQuery,
  ticketNumberPath,
  ticketPageSchema,
  ticketSchema,
  ticketStatusListSchema,
  ticketVersionSchema,
  webhookChangesBody,
  webhookDeliveryPageSchema,
  webhookDeliveryPath,
  webhookIdPath,
  webhookListSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from "./api-schemas";

const ERRORS = {
  400: "Not valid: an unknown or malformed field or query parameter (`validation_failed`, details list each problem), a body that is not JSON (`invalid_json`), a stale cursor (`invalid_cursor`), or a value the workspace refuses (`invalid_field`, details name the field).",
  401: "Not signed in (`unauthenticated`), or the bearer token is unknown or revoked (`invalid_token`).",
  403: "A browser session without its `X-CSRF-Token` header (`csrf_failed`) or from another origin (`bad_origin`).",
  404: "No such ticket or customer in this workspace (`not_found`).",
  409: "Conflict.",
  413: `The body is larger than ${JSON_BODY_LIMIT / 1024 / 1024} MB (\`payload_too_large\`).`,
  415: "The body is not sent as `application/json` (`unsupported_media_type`).",
  429: "Too many requests from this address (`rate_limited`); `Retry-After` says when to try again.",
} as const;
type ErrorStatus = keyof typeof ERRORS;

const json = (schema: z.ZodType) => ({ "application/json": { schema } });

function errors(statuses: ErrorStatus[], descriptions: Partial<Record<ErrorStatus, string>> = {}): ZodOpenApiResponsesObject {
  return Object.fromEntries(statuses.map((status) => [status, { description: descriptions[status] ?? ERRORS[status], content: json(errorSchema) }]));
}

const ok = (description: string, schema: z.ZodType) => ({ 200: { description, content: json(schema) } });
const created = (description: string, schema: z.ZodType, location: string) => ({
  201: { description, content: json(schema), headers: z.object({ Location: z.string().meta({ description: `Where it lives, e.g. \`${location}\`.` }) }) },
});

const accepted = (description: string, schema: z.ZodType) => ({ 202: { description, content: json(schema) } });

const csrfHeader = z.object({
  "x-csrf-token": z.string().optional().meta({ description: "Required with a browser session (cookie), not with a bearer token." }),
});

/** Every operation answers 401 and 429; those that change something also 403 (session CSRF/origin), 413 and 415. */
const read = (operation: ZodOpenApiOperationObject, extra: ErrorStatus[] = []): ZodOpenApiOperationObject => ({
  ...operation,
  responses: { ...operation.responses, ...errors([400, 401, ...extra, 429]) },
});
const write = (
  operation: ZodOpenApiOperationObject,
  extra: ErrorStatus[] = [],
  descriptions: Partial<Record<ErrorStatus, string>> = {},
): ZodOpenApiOperationObject => ({
  ...operation,
  requestParams: { ...operation.requestParams, header: csrfHeader },
  responses: { ...operation.responses, ...errors([400, 401, 403, ...extra, 413, 415, 429], descriptions) },
});

/** Admin-only operations also answer 403 `forbidden` to an agent, and 404 for an unknown webhook. */
const ADMIN_403 = "`forbidden`: only admins may manage webhooks; or, for a browser session, `csrf_failed` / `bad_origin`.";
const WEBHOOK_404 = "`not_found`: no such webhook in this workspace (ids are plain decimal digits).";
const adminRead = (operation: ZodOpenApiOperationObject, extra: ErrorStatus[] = [], descriptions: Partial<Record<ErrorStatus, string>> = {}) => {
  const operated = read(operation, extra);
  return { ...operated, responses: { ...operated.responses, ...errors([403, ...extra], { 403: ADMIN_403, 404: WEBHOOK_404, ...descriptions }) } };
};
const adminWrite = (operation: ZodOpenApiOperationObject, extra: ErrorStatus[] = [], descriptions: Partial<Record<ErrorStatus, string>> = {}) =>
  write(operation, extra, { 403: ADMIN_403, 404: WEBHOOK_404, ...descriptions });
/** An admin operation without a request body: no 400 or 415 to answer. */
const adminCommand = (operation: ZodOpenApiOperationObject, extra: ErrorStatus[] = [], descriptions: Partial<Record<ErrorStatus, string>> = {}) => ({
  ...operation,
  requestParams: { ...operation.requestParams, header: csrfHeader },
  responses: { ...operation.responses, ...errors([401, 403, ...extra, 413, 429], { 403: ADMIN_403, 404: WEBHOOK_404, ...descriptions }) },
});
const NOT_SENT_409 = "`conflict`: the webhook is switched off (switch it on with `PATCH` first: deliveries to a switched-off webhook are not sent).";

function apiDocument(cookieName: string): ZodOpenApiObject {
  return {
    openapi: "3.1.0",
    info: {
      title: "Conductor agent API",
      version: "1.0.0",
      description: [
        "The agent console's data as JSON, on your workspace's own host (`https://<workspace>.<domain>/api/...`).",
        "Authenticate with a personal API token (`Authorization: Bearer cdr_...`, created under Settings → Profile) or a browser session.",
        "Bodies are JSON objects validated strictly: an unknown field or query parameter is a 400, as is a repeated parameter. A method an endpoint does not serve is a 405 with `Allow`.",
        'Errors always look like `{ "error": { "code", "message", "details" } }`. Paged lists are `{ "data": [...], "nextCursor" }`: pass `nextCursor` as `cursor` for the next page.',
      ].join("\n\n"),
    },
    tags: [
      { name: "Tickets" },
      { name: "Customers" },
      { name: "Dashboard" },
      { name: "Webhooks", description: "Outbound webhooks and their delivery logs. Admins only: an agent's token or session gets 403 `forbidden`." },
      { name: "Account" },
    ],
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "A personal API token (`cdr_...`) of an active member of this workspace." },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: cookieName,
          description:
            "The agent console's session. Requests that change something must also send the session's `X-CSRF-Token` header and a same-origin `Origin`.",
        },
      },
    },
    paths: {
      "/api/auth/me": {
        get: read({
          operationId: "getMe",
          tags: ["Account"],
          summary: "Who is asking",
          requestParams: { query: noQuery },
          responses: ok("The member and workspace.", meSchema),
        }),
      },
      "/api/dashboard/stats": {
        get: read({
          operationId: "getDashboardStats",
          tags: ["Dashboard"],
          summary: "Dashboard metrics",
          description: "`new`, `open`, `unassigned` (unsolved, nobody assigned) and `pending` are live counts; the trends and volume may be a few seconds old.",
          requestParams: { query: noQuery },
          responses: ok("The metrics.", dashboardStatsSchema),
        }),
      },
      "/api/dashboard/activity": {
        get: read({
          operationId: "listActivity",
          tags: ["Dashboard"],
          summary: "Workspace activity feed",
          description: "Changes to tickets, their messages and customers, newest first.",
          requestParams: { query: pageQuery },
          responses: ok("One page of activity.", activityPageSchema),
        }),
      },
      "/api/tickets": {
        get: read({
          operationId: "listTickets",
          tags: ["Tickets"],
          summary: "List tickets",
          description: "The ticket list screen's filters and order, with the same defaults (unsolved tickets, recently updated first).",
          requestParams: { query: ticketListQuery },
          responses: ok("One page of tickets.", ticketPageSchema),
        }),
        post: write({
          operationId: "createTicket",
          tags: ["Tickets"],
          summary: "Create a ticket",
          description: "Creates the ticket (channel `api`) with the customer's first message, and the customer when new.",
          requestBody: { required: true, content: json(newTicketBody) },
          responses: created("The new ticket.", ticketSchema, "/api/tickets/1042"),
        }),
      },
      "/api/tickets/{number}": {
        get: read(
          {
            operationId: "getTicket",
            tags: ["Tickets"],
            summary: "Get a ticket",
            requestParams: { path: ticketNumberPath, query: noQuery },
            responses: ok("The ticket.", ticketSchema),
          },
          [404],
        ),
        patch: write(
          {
            operationId: "updateTicket",
            tags: ["Tickets"],
            summary: "Change a ticket",
            description: "Changes the given properties, each recorded in the ticket's activity. With `version`, refuses to overwrite someone else's change.",
            requestParams: { path: ticketNumberPath },
            requestBody: { required: true, content: json(ticketChangesBody) },
            responses: {
              ...ok("The ticket as it is now.", ticketSchema),
              409: {
                description: "`version_conflict`: the ticket changed since `version`; nothing was saved. `error.details.current` holds its current values.",
                content: json(
                  errorSchema
                    .extend({ error: errorSchema.shape.error.extend({ details: z.object({ current: ticketVersionSchema }) }) })
                    .meta({ id: "VersionConflictError" }),
                ),
              },
            },
          },
          [404],
        ),
      },
      "/api/tickets/{number}/messages": {
        get: read(
          {
            operationId: "listTicketMessages",
            tags: ["Tickets"],
            summary: "A ticket's thread",
            description: "Replies and internal notes (`internal: true`), oldest first.",
            requestParams: { path: ticketNumberPath, query: pageQuery },
            responses: ok("One page of the thread.", messagePageSchema),
          },
          [404],
        ),
        post: write(
          {
            operationId: "addTicketMessage",
            tags: ["Tickets"],
            summary: "Reply or add an internal note",
            requestParams: { path: ticketNumberPath },
            requestBody: { required: true, content: json(newMessageBody) },
            responses: created("The new message.", messageSchema, "/api/tickets/1042/messages"),
          },
          [404],
        ),
      },
      "/api/ticket-statuses": {
        get: read({
          operationId: "listTicketStatuses",
          tags: ["Tickets"],
          summary: "List ticket statuses",
          description:
            "The workspace's statuses, deactivated ones included (`active: false`): a ticket's `status` is one of these keys and its `statusCategory` the status's category. Not paged.",
          requestParams: { query: noQuery },
          responses: ok("Every status.", ticketStatusListSchema),
        }),
      },
      "/api/customers": {
        get: read({
          operationId: "listCustomers",
          tags: ["Customers"],
          summary: "List or search customers",
          requestParams: { query: customerListQuery },
          responses: ok("One page of customers.", customerPageSchema),
        }),
        post: write(
          {
            operationId: "createCustomer",
            tags: ["Customers"],
            summary: "Create a customer",
            requestBody: { required: true, content: json(newCustomerBody) },
            responses: created("The new customer.", customerSchema, "/api/customers/17"),
          },
          [409],
          { 409: "`email_taken`: a customer with this email already exists (`details.field` is `email`)." },
        ),
      },
      "/api/customers/{id}": {
        get: read(
          {
            operationId: "getCustomer",
            tags: ["Customers"],
            summary: "Get a customer",
            requestParams: { path: customerIdPath, query: noQuery },
            responses: ok("The customer.", customerSchema),
          },
          [404],
        ),
        patch: write(
          {
            operationId: "updateCustomer",
            tags: ["Customers"],
            summary: "Change a customer",
            requestParams: { path: customerIdPath },
            requestBody: { required: true, content: json(customerChangesBody) },
            responses: ok("The customer as it is now.", customerSchema),
          },
          [404, 409],
          { 409: "`email_taken`: another customer has this email (`details.field` is `email`)." },
        ),
      },
      "/api/webhooks": {
        get: adminRead({
          operationId: "listWebhooks",
          tags: ["Webhooks"],
          summary: "List webhooks",
          description: "Every webhook of the workspace (at most 20), oldest first, with its latest delivery's outcome. Not paged; never shows secrets.",
          requestParams: { query: noQuery },
          responses: ok("Every webhook.", webhookListSchema),
        }),
        post: adminWrite(
          {
            operationId: "createWebhook",
            tags: ["Webhooks"],
            summary: "Create a webhook",
            description:
              "Answers the webhook with its signing `secret` (`whsec_…`), which no other answer shows but rotating it. A URL written with an address that is not public (loopback, private ranges, `localhost`) is refused with 400 `invalid_field` (`details.field` is `url`).",
            requestBody: { required: true, content: json(newWebhookBody) },
            responses: created("The new webhook, with its secret.", webhookWithSecretSchema, "/api/webhooks/3"),
          },
          [409],
          { 409: "`conflict`: the workspace already has 20 webhooks." },
        ),
      },
      "/api/webhooks/{id}": {
        get: adminRead(
          {
            operationId: "getWebhook",
            tags: ["Webhooks"],
            summary: "Get a webhook",
            requestParams: { path: webhookIdPath, query: noQuery },
            responses: ok("The webhook (without its secret).", webhookSchema),
          },
          [404],
        ),
        patch: adminWrite(
          {
            operationId: "updateWebhook",
            tags: ["Webhooks"],
            summary: "Change a webhook",
            description: "Changes the given fields and keeps the others; each change is recorded in the activity log.",
            requestParams: { path: webhookIdPath },
            requestBody: { required: true, content: json(webhookChangesBody) },
            responses: ok("The webhook as it is now.", webhookSchema),
          },
          [404],
        ),
        delete: adminCommand(
          {
            operationId: "deleteWebhook",
            tags: ["Webhooks"],
            summary: "Delete a webhook",
            description: "Deletes the webhook and its delivery log; deliveries still queued are not sent.",
            requestParams: { path: webhookIdPath },
            responses: { 204: { description: "Deleted." } },
          },
          [404],
        ),
      },
      "/api/webhooks/{id}/secret": {
        post: adminCommand(
          {
            operationId: "rotateWebhookSecret",
            tags: ["Webhooks"],
            summary: "Rotate the signing secret",
            description: "Makes a new signing secret and answers it; the old one stops verifying at once. No request body.",
            requestParams: { path: webhookIdPath },
            responses: ok("The webhook with its new secret.", webhookWithSecretSchema),
          },
          [404],
        ),
      },
      "/api/webhooks/{id}/deliveries": {
        get: adminRead(
          {
            operationId: "listWebhookDeliveries",
            tags: ["Webhooks"],
            summary: "A webhook's delivery log",
            description: "Deliveries newest first: status, attempts, the latest answer, and the payload sent.",
            requestParams: { path: webhookIdPath, query: pageQuery },
            responses: ok("One page of deliveries.", webhookDeliveryPageSchema),
          },
          [404],
        ),
      },
      "/api/webhooks/{id}/test": {
        post: adminCommand(
          {
            operationId: "sendWebhookTest",
            tags: ["Webhooks"],
            summary: "Send a test event",
            description: "Queues a `webhook.test` event to this webhook alone. No request body.",
            requestParams: { path: webhookIdPath },
            responses: accepted("Queued: follow it in the delivery log.", queuedDeliverySchema),
          },
          [404, 409],
          { 409: NOT_SENT_409 },
        ),
      },
      "/api/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
        post: adminCommand(
          {
            operationId: "redeliverWebhookDelivery",
            tags: ["Webhooks"],
            summary: "Redeliver",
            description:
              "Sends a delivered or failed delivery again, with the same `webhook-id` (receivers de-duplicate on it) and a fresh run of attempts. No request body.",
            requestParams: { path: webhookDeliveryPath },
            responses: accepted("Queued again.", queuedDeliverySchema),
          },
          [404, 409],
          { 404: "`not_found`: no such webhook in this workspace, or no such delivery of it.", 409: `${NOT_SENT_409} Or the delivery is still being sent.` },
        ),
      },
      "/api/openapi.json": {
        get: {
          operationId: "getOpenApiDocument",
          tags: ["Account"],
          summary: "This document",
          security: [],
          responses: { 200: { description: "The OpenAPI 3.1 document of this API." } },
        },
      },
    },
  };
}

const documents = new Map<string, ReturnType<typeof createDocument>>();

/** The OpenAPI 3.1 document, built once per session cookie name (it differs between development and production). */
export function openApiDocument(cookieName: string) {
  let document = documents.get(cookieName);
  if (!document) {
    document = createDocument(apiDocument(cookieName));
    documents.set(cookieName, document);
  }
  return document;
}
