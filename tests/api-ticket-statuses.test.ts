import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as z from "zod";
import { ticketPageSchema, ticketSchema, ticketStatusListSchema, ticketVersionSchema } from "../app/api/api-schemas";
import { createApiToken } from "../app/auth/api-tokens.server";
import { createTicketStatus, setTicketStatusActive } from "../app/ticket-statuses/ticket-statuses.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { apiCall, type ApiCredentials } from "./support/api-client";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let ann: Awaited<ReturnType<typeof createMember>>;
let annToken: string;
let adminSession: { cookie: string; csrf: string };
let globexTicket: number;

const call = (tenant: TenantRecord, credentials: ApiCredentials, method: string, path: string, body?: unknown) =>
  apiCall(server, tenant, credentials, method, path, body);
const asToken = (method: string, path: string, body?: unknown) => call(acme, { token: annToken }, method, path, body);

/** The body as the documented response schema reads it: parsing drops unknown fields, so equality also proves there are none. */
function documented<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.parse(body);
  expect(parsed).toEqual(body);
  return parsed;
}

const acmeCustomer = (who: string) => ({ name: who, email: `${who.toLowerCase()}@acme.test` });
const newTicket = async (subject: string, extra: Record<string, unknown> = {}) => {
  const response = await asToken("POST", "/api/tickets", { subject, message: `About ${subject}`, customer: acmeCustomer("Sam"), ...extra });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return ticketSchema.parse(response.body);
};
const ticketRow = async (number: number) => {
  const { db, t } = platform.router.forTenant(acme);
  const [row] = await db
    .select({ statusKey: t.tickets.statusKey, statusCategory: t.tickets.statusCategory, version: t.tickets.version })
    .from(t.tickets)
    .where(eq(t.tickets.number, number));
  return row!;
};
const globexState = async () => {
  const { db, t } = platform.router.forTenant(globex);
  return {
    statuses: await db.select().from(t.ticketStatuses).orderBy(asc(t.ticketStatuses.key)),
    tickets: await db
      .select({ number: t.tickets.number, statusKey: t.tickets.statusKey, statusCategory: t.tickets.statusCategory, version: t.tickets.version })
      .from(t.tickets)
      .orderBy(asc(t.tickets.number)),
  };
};

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  ann = await createMember(platform, acme, { email: "ann@acme.test", name: "Ann Agent" });
  const admin = await createMember(platform, acme, { email: "ada@acme.test", name: "Ada Admin", role: "admin" });
  annToken = (await createApiToken(platform.router.forTenant(acme), ann, "tests")).token;
  adminSession = await sessionFor(platform, acme, admin.id);

  // The catalog is set up before the server first reads it: the server's copy of the domain caches it for a few seconds.
  const acmeHandle = platform.router.forTenant(acme);
  const byAdmin = { type: "agent", userId: admin.id } as const;
  await createTicketStatus(acmeHandle, byAdmin, { category: "pending", agentLabel: "Waiting on vendor", customerLabel: "Waiting on a supplier" });
  await createTicketStatus(acmeHandle, byAdmin, { category: "open", agentLabel: "Escalated", customerLabel: "Being looked at" });
  await createTicketStatus(acmeHandle, byAdmin, { category: "on_hold", agentLabel: "Retired", customerLabel: "On hold" });
  await setTicketStatusActive(acmeHandle, byAdmin, "retired", false);

  const globexHandle = platform.router.forTenant(globex);
  await createTicketStatus(globexHandle, { type: "system" }, { category: "pending", agentLabel: "Globex only", customerLabel: "Globex only" });
  globexTicket = (
    await createTicket(
      globexHandle,
      { type: "system" },
      { customer: { name: "Gus", email: "gus@globex.test" }, subject: "Globex secret", message: "Hidden", channel: "email", status: "globex_only" },
    )
  ).number;
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server?.close();
  await platform.close();
});

describe("GET /api/ticket-statuses", () => {
  const expected = [
    { key: "new", category: "new", agentLabel: "New", customerLabel: "Open", position: 0, active: true, builtIn: true },
    { key: "open", category: "open", agentLabel: "Open", customerLabel: "Open", position: 0, active: true, builtIn: true },
    { key: "escalated", category: "open", agentLabel: "Escalated", customerLabel: "Being looked at", position: 1, active: true, builtIn: false },
    { key: "pending", category: "pending", agentLabel: "Pending", customerLabel: "Awaiting your reply", position: 0, active: true, builtIn: true },
    {
      key: "waiting_on_vendor",
      category: "pending",
      agentLabel: "Waiting on vendor",
      customerLabel: "Waiting on a supplier",
      position: 1,
      active: true,
      builtIn: false,
    },
    { key: "on_hold", category: "on_hold", agentLabel: "On hold", customerLabel: "In progress", position: 0, active: true, builtIn: true },
    { key: "retired", category: "on_hold", agentLabel: "Retired", customerLabel: "On hold", position: 1, active: false, builtIn: false },
    { key: "solved", category: "solved", agentLabel: "Solved", customerLabel: "Solved", position: 0, active: true, builtIn: true },
    { key: "closed", category: "closed", agentLabel: "Closed", customerLabel: "Closed", position: 0, active: true, builtIn: true },
  ];

  it("lists every status of this workspace in category order, deactivated ones included, to agents (token) and admins (session)", async () => {
    const byToken = await asToken("GET", "/api/ticket-statuses");
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get("content-type")).toContain("application/json");
    expect(documented(ticketStatusListSchema, byToken.body)).toEqual({ data: expected });
    // Globex's own status never shows here.
    expect(JSON.stringify(byToken.body)).not.toContain("globex");

    const bySession = await call(acme, adminSession, "GET", "/api/ticket-statuses");
    expect(bySession.status).toBe(200);
    expect(bySession.body).toEqual(byToken.body);
  });

  it("is 401 without credentials, 400 with a query parameter and 405 for other methods", async () => {
    const anonymous = await call(acme, null, "GET", "/api/ticket-statuses");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: { code: "unauthenticated", message: expect.any(String), details: null } });
    const badToken = await call(acme, { token: "cdr_not-a-real-token-at-all-0000000000" }, "GET", "/api/ticket-statuses");
    expect(badToken.status).toBe(401);
    expect(badToken.body.error.code).toBe("invalid_token");

    const query = await asToken("GET", "/api/ticket-statuses?active=true");
    expect(query.status).toBe(400);
    expect(query.body.error.code).toBe("validation_failed");
    expect(JSON.stringify(query.body.error.details)).toContain("active");

    const post = await asToken("POST", "/api/ticket-statuses", { category: "open", agentLabel: "Sneaky", customerLabel: "Sneaky" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(post.body.error).toMatchObject({ code: "method_not_allowed", details: { allowed: ["GET"] } });
    expect((await asToken("GET", "/api/ticket-statuses")).body.data.map((s: { key: string }) => s.key)).not.toContain("sneaky");
  });
});

describe("POST /api/tickets with a status", () => {
  it("creates a ticket in a custom status: status is the key, statusCategory its category", async () => {
    const response = await asToken("POST", "/api/tickets", {
      subject: "Vendor part",
      message: "Part on order",
      customer: acmeCustomer("Vic"),
      status: "waiting_on_vendor",
    });
    expect(response.status).toBe(201);
    const ticket = documented(ticketSchema, response.body);
    expect(ticket).toMatchObject({ status: "waiting_on_vendor", statusCategory: "pending", channel: "api", solvedAt: null });
    expect(await ticketRow(ticket.number)).toMatchObject({ statusKey: "waiting_on_vendor", statusCategory: "pending" });
    expect((await asToken("GET", `/api/tickets/${ticket.number}`)).body).toEqual(response.body);
  });

  it("starts an agent's ticket in open without a status, and accepts the key in any case", async () => {
    const plain = await newTicket("No status given");
    expect(plain).toMatchObject({ status: "open", statusCategory: "open" });
    expect(await ticketRow(plain.number)).toMatchObject({ statusKey: "open", statusCategory: "open" });

    const shouted = await newTicket("Shouted key", { status: " ESCALATED " });
    expect(shouted).toMatchObject({ status: "escalated", statusCategory: "open" });
  });

  it("refuses an unknown, a deactivated and another workspace's status with 400 on field status, creating nothing", async () => {
    const { db, t } = platform.router.forTenant(acme);
    const before = (await db.select({ id: t.tickets.id }).from(t.tickets)).length;
    const globexBefore = await globexState();
    for (const [status, mentions] of [
      ["no_such_status", "There is no status"],
      ["retired", "deactivated"],
      ["globex_only", "There is no status"],
    ] as const) {
      const response = await asToken("POST", "/api/tickets", { subject: "Refused", message: "No", customer: acmeCustomer("Rex"), status });
      expect(response.status, status).toBe(400);
      expect(response.body, status).toEqual({ error: { code: "invalid_field", message: expect.stringContaining(mentions), details: { field: "status" } } });
    }
    const malformed = await asToken("POST", "/api/tickets", { subject: "Refused", message: "No", customer: acmeCustomer("Rex"), status: "Not valid!" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("validation_failed");
    expect(malformed.body.error.details).toEqual([expect.objectContaining({ path: "status" })]);

    expect((await db.select({ id: t.tickets.id }).from(t.tickets)).length).toBe(before);
    expect(await globexState()).toEqual(globexBefore);
  });
});

describe("PATCH /api/tickets/:number with a status", () => {
  let number: number;
  beforeAll(async () => {
    number = (await newTicket("Move me around")).number;
  });

  it("moves the ticket between custom and built-in statuses, the category following the status", async () => {
    const escalated = await asToken("PATCH", `/api/tickets/${number}`, { status: "escalated", version: 1 });
    expect(escalated.status).toBe(200);
    expect(documented(ticketSchema, escalated.body)).toMatchObject({ number, status: "escalated", statusCategory: "open", version: 2 });
    expect(await ticketRow(number)).toEqual({ statusKey: "escalated", statusCategory: "open", version: 2 });

    const vendor = await call(acme, adminSession, "PATCH", `/api/tickets/${number}`, { status: "waiting_on_vendor" });
    expect(vendor.status).toBe(200);
    expect(vendor.body).toMatchObject({ status: "waiting_on_vendor", statusCategory: "pending", version: 3 });

    const solved = await asToken("PATCH", `/api/tickets/${number}`, { status: "solved" });
    expect(solved.status).toBe(200);
    expect(solved.body).toMatchObject({ status: "solved", statusCategory: "solved", version: 4, solvedAt: expect.any(String) });

    // Back to a custom status in an unsolved category reopens it.
    const reopened = await asToken("PATCH", `/api/tickets/${number}`, { status: "escalated" });
    expect(reopened.body).toMatchObject({ status: "escalated", statusCategory: "open", solvedAt: null, version: 5 });

    const builtIn = await asToken("PATCH", `/api/tickets/${number}`, { status: "pending" });
    expect(builtIn.body).toMatchObject({ status: "pending", statusCategory: "pending", version: 6 });
    expect(await ticketRow(number)).toEqual({ statusKey: "pending", statusCategory: "pending", version: 6 });

    const activity = await asToken("GET", "/api/dashboard/activity?limit=50");
    const moves = activity.body.data
      .filter((item: { ticket: { number: number } | null; action: string }) => item.ticket?.number === number && item.action === "ticket.status_changed")
      .map((item: { changes: { status: { from: string; to: string } } }) => item.changes.status);
    expect(moves.reverse()).toEqual([
      { from: "open", to: "escalated" },
      { from: "escalated", to: "waiting_on_vendor" },
      { from: "waiting_on_vendor", to: "solved" },
      { from: "solved", to: "escalated" },
      { from: "escalated", to: "pending" },
    ]);
  });

  it("refuses an unknown, a deactivated and another workspace's status with 400 on field status, changing nothing", async () => {
    const before = (await asToken("GET", `/api/tickets/${number}`)).body;
    const globexBefore = await globexState();
    for (const [status, mentions] of [
      ["no_such_status", "There is no status “no_such_status”"],
      ["retired", "“Retired” has been deactivated"],
      ["globex_only", "There is no status “globex_only”"],
    ] as const) {
      const response = await asToken("PATCH", `/api/tickets/${number}`, { status, priority: "urgent" });
      expect(response.status, status).toBe(400);
      expect(response.body, status).toEqual({ error: { code: "invalid_field", message: expect.stringContaining(mentions), details: { field: "status" } } });
    }
    expect((await asToken("GET", `/api/tickets/${number}`)).body).toEqual(before);
    expect(await globexState()).toEqual(globexBefore);
    expect(globexBefore.tickets).toContainEqual(expect.objectContaining({ number: globexTicket, statusKey: "globex_only", statusCategory: "pending" }));
  });

  it("answers a stale version with 409 whose current values carry the status key and its category", async () => {
    await asToken("PATCH", `/api/tickets/${number}`, { status: "waiting_on_vendor" });
    const current = ticketSchema.parse((await asToken("GET", `/api/tickets/${number}`)).body);
    const stale = await asToken("PATCH", `/api/tickets/${number}`, { status: "escalated", version: current.version - 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("version_conflict");
    expect(documented(ticketVersionSchema, stale.body.error.details.current)).toEqual({
      number,
      version: current.version,
      subject: current.subject,
      status: "waiting_on_vendor",
      statusCategory: "pending",
      priority: current.priority,
      assigneeId: current.assigneeId,
      tags: current.tags,
    });
    expect(await ticketRow(number)).toEqual({ statusKey: "waiting_on_vendor", statusCategory: "pending", version: current.version });
  });

  it("moves a customer's new ticket to open when an agent assigns it", async () => {
    const fromPortal = await createTicket(
      platform.router.forTenant(acme),
      { type: "system" },
      { customer: acmeCustomer("Nia"), subject: "Fresh request", message: "Hello?", channel: "email" },
    );
    const fresh = await asToken("GET", `/api/tickets/${fromPortal.number}`);
    expect(fresh.body).toMatchObject({ status: "new", statusCategory: "new" });
    const assigned = await asToken("PATCH", `/api/tickets/${fromPortal.number}`, { assigneeId: ann.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ status: "open", statusCategory: "open", assigneeId: ann.id });
  });
});

describe("GET /api/tickets?statusKey=", () => {
  let customerId: number;
  let inVendor: number[];
  let inPending: number;
  let inEscalated: number;

  beforeAll(async () => {
    const make = async (subject: string, status?: string) =>
      (await newTicket(subject, { customer: acmeCustomer("Lister"), ...(status ? { status } : {}) })).number;
    inVendor = [await make("Vendor one", "waiting_on_vendor"), await make("Vendor two", "waiting_on_vendor")];
    inPending = await make("Plain pending", "pending");
    inEscalated = await make("Escalated one", "escalated");
    await make("Plain open");
    customerId = (await asToken("GET", `/api/tickets/${inPending}`)).body.customer.id;
  });

  const numbersOf = async (query: string) => {
    const response = await asToken("GET", `/api/tickets?${query}`);
    expect(response.status, query).toBe(200);
    return documented(ticketPageSchema, response.body).data;
  };

  it("filters to exactly the tickets in that status, not the rest of its category", async () => {
    const vendor = await numbersOf(`statusKey=waiting_on_vendor&status=all&customer=${customerId}`);
    expect(vendor.map((ticket) => ticket.number).sort()).toEqual([...inVendor].sort());
    expect(vendor.every((ticket) => ticket.status === "waiting_on_vendor" && ticket.statusCategory === "pending")).toBe(true);

    // Across the whole workspace: exactly the rows the database has in that status.
    const { db, t } = platform.router.forTenant(acme);
    const rows = await db.select({ number: t.tickets.number }).from(t.tickets).where(eq(t.tickets.statusKey, "waiting_on_vendor"));
    const everywhere = await numbersOf("statusKey=waiting_on_vendor&status=all&limit=100");
    expect(everywhere.map((ticket) => ticket.number).sort()).toEqual(rows.map((row) => row.number).sort());
    expect(rows.length).toBeGreaterThanOrEqual(inVendor.length);

    const byCategory = await numbersOf(`status=pending&customer=${customerId}`);
    expect(byCategory.map((ticket) => ticket.number).sort()).toEqual([...inVendor, inPending].sort());
    expect((await numbersOf(`statusKey=pending&status=all&customer=${customerId}`)).map((ticket) => ticket.number)).toEqual([inPending]);
    expect((await numbersOf(`statusKey=escalated&customer=${customerId}`)).map((ticket) => ticket.number)).toEqual([inEscalated]);
    // With its own category or the default tab it still applies; with another category nothing matches.
    expect((await numbersOf(`statusKey=waiting_on_vendor&status=pending&customer=${customerId}`)).length).toBe(2);
    expect(await numbersOf(`statusKey=waiting_on_vendor&status=open&customer=${customerId}`)).toEqual([]);
  });

  it("finds nothing for a key this workspace lacks, also when another workspace uses it", async () => {
    expect(await numbersOf("statusKey=globex_only&status=all")).toEqual([]);
    expect(await numbersOf("statusKey=no_such_status&status=all")).toEqual([]);
  });

  it("refuses a malformed or repeated statusKey with 400", async () => {
    for (const query of ["statusKey=NOT%20VALID!", "statusKey=", "statusKey=open&statusKey=pending", `statusKey=${"a".repeat(41)}`]) {
      const response = await asToken("GET", `/api/tickets?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe("validation_failed");
      expect(JSON.stringify(response.body.error), query).toContain("statusKey");
    }
  });
});

describe("GET /api/openapi.json", () => {
  let document: any;
  beforeAll(async () => {
    const response = await server.request(`${acme.slug}.localhost`, "/api/openapi.json");
    expect(response.status).toBe(200);
    document = await response.json();
  });

  it("documents GET /api/ticket-statuses with its response, errors and no parameters", () => {
    const operation = document.paths["/api/ticket-statuses"]?.get;
    expect(operation).toMatchObject({ operationId: "listTicketStatuses", tags: ["Tickets"] });
    expect(Object.keys(document.paths["/api/ticket-statuses"])).toEqual(["get"]);
    expect(operation.parameters ?? []).toEqual([]);
    expect(operation.requestBody).toBeUndefined();
    expect(operation.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/TicketStatusList" });
    for (const status of ["400", "401", "429"]) {
      expect(operation.responses[status].content["application/json"].schema, status).toEqual({ $ref: "#/components/schemas/Error" });
    }
    const schemas = document.components.schemas;
    expect(schemas.TicketStatusList).toMatchObject({
      required: ["data"],
      properties: { data: { type: "array", items: { $ref: "#/components/schemas/TicketStatus" } } },
    });
    const fields = ["key", "category", "agentLabel", "customerLabel", "position", "active", "builtIn"];
    expect(Object.keys(schemas.TicketStatus.properties).sort()).toEqual([...fields].sort());
    expect([...schemas.TicketStatus.required].sort()).toEqual([...fields].sort());
    expect(schemas.TicketStatus.properties.category.enum).toEqual(["new", "open", "pending", "on_hold", "solved", "closed"]);
  });

  it("documents statusCategory on tickets and conflicts, status as a key, and the statusKey filter", () => {
    const schemas = document.components.schemas;
    for (const name of ["Ticket", "TicketSummary", "TicketVersion"]) {
      expect(schemas[name].required, name).toEqual(expect.arrayContaining(["status", "statusCategory"]));
      expect(schemas[name].properties.statusCategory.enum, name).toEqual(["new", "open", "pending", "on_hold", "solved", "closed"]);
      expect(schemas[name].properties.status, name).toMatchObject({ type: "string", pattern: expect.any(String) });
      expect(schemas[name].properties.status.enum, name).toBeUndefined();
    }
    for (const name of ["NewTicket", "TicketChanges"]) {
      expect(schemas[name].properties.status.description, name).toContain("/api/ticket-statuses");
    }
    const statusKey = document.paths["/api/tickets"].get.parameters.find((p: { name: string }) => p.name === "statusKey");
    expect(statusKey).toMatchObject({ in: "query", description: expect.stringContaining("/api/ticket-statuses") });
    expect(statusKey.required ?? false).toBe(false);
  });
});
