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
  noQuery,
  pageQuery,
  ticketChangesBody,
  ticketListQuery,
  ticketNumberPath,
  ticketPageSchema,
  ticketSchema,
  ticketStatusListSchema,
  ticketVersionSchema,
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
    tags: [{ name: "Tickets" }, { name: "Customers" }, { name: "Dashboard" }, { name: "Account" }],
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
