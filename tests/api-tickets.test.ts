import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagePageSchema, messageSchema, ticketPageSchema, ticketSchema } from "../app/api/api-schemas";
import { createApiToken } from "../app/auth/api-tokens.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { apiCall, type ApiCredentials, type ApiResponse } from "./support/api-client";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let ann: Awaited<ReturnType<typeof createMember>>;
let bob: Awaited<ReturnType<typeof createMember>>;
let annToken: string;
let annSession: { cookie: string; csrf: string };
let globexTicket: number;
let globexCustomer: number;

const call = (tenant: TenantRecord, credentials: ApiCredentials, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiCall(server, tenant, credentials, method, path, body, headers);
const asToken = (method: string, path: string, body?: unknown) => call(acme, { token: annToken }, method, path, body);
const asSession = (method: string, path: string, body?: unknown) => call(acme, annSession, method, path, body);

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  ann = await createMember(platform, acme, { email: "ann@acme.test", name: "Ann Agent" });
  bob = await createMember(platform, acme, { email: "bob@acme.test", name: "Bob Agent" });
  annToken = (await createApiToken(platform.router.forTenant(acme), ann, "tests")).token;
  annSession = await sessionFor(platform, acme, ann.id);
  // Globex gets more tickets and customers than acme will ever have, so its numbers and ids run past acme's.
  const globexHandle = platform.router.forTenant(globex);
  for (let i = 0; i < 60; i += 1) {
    const created = await createTicket(
      globexHandle,
      { type: "system" },
      { customer: { name: `Globex ${i}`, email: `c${i}@globex.test` }, subject: `Globex ${i}`, message: "Secret", channel: "email" },
    );
    globexTicket = created.number;
    globexCustomer = created.customerId;
  }
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("POST /api/tickets", () => {
  it("creates a ticket and its new customer through a session, answering 201, Location and the ticket", async () => {
    const response = await asSession("POST", "/api/tickets", {
      subject: "  Printer on fire ",
      message: "Smoke from the tray.",
      customer: { name: "Grace Hopper", email: "grace@navy.test" },
      priority: "urgent",
      tags: ["Hardware", "hardware"],
    });
    expect(response.status).toBe(201);
    const ticket = ticketSchema.parse(response.body);
    expect(response.headers.get("location")).toBe(`/api/tickets/${ticket.number}`);
    expect(ticket).toMatchObject({
      subject: "Printer on fire",
      status: "open",
      priority: "urgent",
      channel: "api",
      tags: ["hardware"],
      version: 1,
      assigneeId: null,
      solvedAt: null,
    });
    expect(ticket.customer).toMatchObject({ name: "Grace Hopper", email: "grace@navy.test", company: null });
    expect(Date.parse(ticket.createdAt)).toBeGreaterThan(Date.now() - 60_000);

    const fetched = await asToken("GET", response.headers.get("location")!);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(response.body);
  });

  it("creates one for an existing customer through a bearer token, with assignee and status", async () => {
    const first = await asToken("POST", "/api/tickets", { subject: "First", message: "Hello", customer: { name: "Ada", email: "ada@acme.test" } });
    const customerId = first.body.customer.id as number;
    const response = await asToken("POST", "/api/tickets", {
      subject: "Second",
      message: "Again",
      customerId,
      assigneeId: bob.id,
      status: "pending",
      priority: "low",
    });
    expect(response.status).toBe(201);
    expect(ticketSchema.parse(response.body)).toMatchObject({
      subject: "Second",
      status: "pending",
      priority: "low",
      assigneeId: bob.id,
      customer: { id: customerId, name: "Ada" },
      channel: "api",
    });
    const thread = await asToken("GET", `/api/tickets/${response.body.number}/messages`);
    expect(thread.body.data).toMatchObject([{ authorType: "customer", authorName: "Ada", body: "Again", internal: false }]);
  });

  it("refuses unknown fields, bad values and a missing or doubled customer with 400 and names the problem", async () => {
    const base = { subject: "S", message: "M", customer: { name: "N", email: "n@acme.test" } };
    const unknown = await asToken("POST", "/api/tickets", { ...base, channel: "email" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("validation_failed");
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ code: "unrecognized_keys", message: expect.stringContaining("channel") })]);

    const nestedUnknown = await asToken("POST", "/api/tickets", { ...base, customer: { ...base.customer, phone: "1" } });
    expect(nestedUnknown.status).toBe(400);
    expect(nestedUnknown.body.error.details[0]).toMatchObject({ path: "customer", code: "unrecognized_keys" });

    const badValues = await asToken("POST", "/api/tickets", { ...base, priority: "extreme", tags: ["has space"], customer: { name: "N", email: "nope" } });
    expect(badValues.status).toBe(400);
    expect(badValues.body.error.details.map((issue: { path: string }) => issue.path).sort()).toEqual(["customer.email", "priority", "tags.0"]);

    const both = await asToken("POST", "/api/tickets", { ...base, customerId: 1 });
    const neither = await asToken("POST", "/api/tickets", { subject: "S", message: "M" });
    for (const response of [both, neither]) {
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([expect.objectContaining({ path: "customerId", message: expect.stringContaining("either customerId") })]);
    }
    const idAsString = await asToken("POST", "/api/tickets", { subject: "S", message: "M", customerId: "1" });
    expect(idAsString.body.error.details[0]).toMatchObject({ path: "customerId", code: "invalid_type" });
  });

  it("refuses another workspace's customer and an unknown assignee without creating anything", async () => {
    const before = (await asToken("GET", "/api/tickets?status=all&limit=100")).body.data.length;
    const response = await asToken("POST", "/api/tickets", { subject: "S", message: "M", customerId: globexCustomer });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { code: "invalid_field", message: "That customer does not exist in this workspace.", details: { field: "customerId" } },
    });
    const assignee = await asToken("POST", "/api/tickets", { subject: "S", message: "M", customer: { name: "X", email: "x@acme.test" }, assigneeId: 99_999 });
    expect(assignee.status).toBe(400);
    expect(assignee.body.error.details).toEqual({ field: "assigneeId" });
    expect((await asToken("GET", "/api/tickets?status=all&limit=100")).body.data.length).toBe(before);
  });

  it("needs authentication, and the CSRF header with a session", async () => {
    const anonymous = await call(
      acme,
      null,
      "POST",
      "/api/tickets",
      { subject: "S", message: "M", customerId: 1 },
      { origin: `http://${acme.slug}.localhost` },
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: { code: "unauthenticated", message: expect.any(String), details: null } });
    const noCsrf = await call(
      acme,
      { ...annSession, csrf: "" },
      "POST",
      "/api/tickets",
      { subject: "S", message: "M", customerId: 1 },
      { "x-csrf-token": "wrong" },
    );
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe("csrf_failed");
    const badToken = await call(acme, { token: "cdr_not-a-real-token-at-all-0000000000" }, "GET", "/api/tickets");
    expect(badToken.status).toBe(401);
    expect(badToken.body.error.code).toBe("invalid_token");
  });
});

describe("GET /api/tickets", () => {
  let numbers: Record<string, number>;
  let customerId: number;

  beforeAll(async () => {
    const make = async (subject: string, extra: Record<string, unknown> = {}) =>
      (await asToken("POST", "/api/tickets", { subject, message: `About ${subject}`, customer: { name: "Lister", email: "lister@acme.test" }, ...extra })).body;
    const mine = await make("Mine urgent", { assigneeId: ann.id, priority: "urgent", tags: ["vip"] });
    customerId = mine.customer.id;
    numbers = {
      mine: mine.number,
      bobs: (await make("Bob's billing question", { assigneeId: bob.id, tags: ["billing"] })).number,
      solved: (await make("Already solved", { status: "solved" })).number,
      zebra: (await make("Zebra crossing stripes")).number,
    };
  });

  it("lists with the screen's filters and defaults, through a session and a token alike", async () => {
    const bySession = await asSession("GET", `/api/tickets?customer=${customerId}`);
    expect(bySession.status).toBe(200);
    const page = ticketPageSchema.parse(bySession.body);
    // Default: unsolved only, most recently updated first.
    expect(page.data.map((ticket) => ticket.number)).toEqual([numbers.zebra, numbers.bobs, numbers.mine]);
    expect(page.nextCursor).toBeNull();
    expect(page.data[1]).toMatchObject({
      assigneeId: bob.id,
      assignee: { id: bob.id, name: "Bob Agent" },
      customer: { id: customerId, name: "Lister" },
      tags: ["billing"],
    });
    expect((await asToken("GET", `/api/tickets?customer=${customerId}`)).body).toEqual(bySession.body);

    const numbersOf = async (query: string) =>
      (await asToken("GET", `/api/tickets?customer=${customerId}&${query}`)).body.data.map((ticket: { number: number }) => ticket.number);
    expect(await numbersOf("assignee=me")).toEqual([numbers.mine]);
    expect(await numbersOf(`assignee=${bob.id}`)).toEqual([numbers.bobs]);
    expect(await numbersOf("assignee=unassigned&status=all")).toEqual([numbers.zebra, numbers.solved]);
    expect(await numbersOf("status=solved")).toEqual([numbers.solved]);
    expect(await numbersOf("priority=urgent")).toEqual([numbers.mine]);
    expect(await numbersOf("tag=VIP")).toEqual([numbers.mine]);
    expect(await numbersOf("q=zebra")).toEqual([numbers.zebra]);
    expect(await numbersOf("channel=email")).toEqual([]);
    expect(await numbersOf("sort=created&status=all")).toEqual([numbers.zebra, numbers.solved, numbers.bobs, numbers.mine]);
  });

  it("walks pages with limit and cursor, without repeats or gaps", async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: ApiResponse = await asToken(
        "GET",
        `/api/tickets?customer=${customerId}&status=all&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(response.status).toBe(200);
      expect(response.body.data).toHaveLength(1);
      seen.push(response.body.data[0].number);
      cursor = response.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([numbers.zebra, numbers.solved, numbers.bobs, numbers.mine]);
  });

  it("refuses unknown, repeated and malformed parameters and bad cursors with 400", async () => {
    const cases: Array<[string, string, string]> = [
      ["?stauts=open", "validation_failed", "Unrecognized key"],
      ["?status=open&status=all", "validation_failed", "status"],
      ["?status=bogus", "validation_failed", "status"],
      ["?limit=0", "validation_failed", "limit"],
      ["?limit=101", "validation_failed", "limit"],
      ["?limit=ten", "validation_failed", "limit"],
      ["?assignee=someone", "validation_failed", "assignee"],
      ["?cursor=not-a-cursor", "invalid_cursor", "cursor"],
      [`?cursor=${Buffer.from(JSON.stringify(["x"])).toString("base64url")}`, "invalid_cursor", "cursor"],
    ];
    for (const [query, code, mentions] of cases) {
      const response = await asToken("GET", `/api/tickets${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe(code);
      expect(JSON.stringify(response.body.error), query).toContain(mentions);
    }
  });

  it("is 401 without credentials", async () => {
    const response = await call(acme, null, "GET", "/api/tickets");
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("unauthenticated");
  });
});

describe("GET and PATCH /api/tickets/:number", () => {
  let number: number;
  beforeAll(async () => {
    number = (await asToken("POST", "/api/tickets", { subject: "Change me", message: "Please", customer: { name: "Pat", email: "pat@acme.test" } })).body
      .number;
  });

  it("answers a plain 404 for a number that does not exist here, also when another workspace has it", async () => {
    expect(globexTicket).toBeGreaterThan(number + 10);
    const { db, t } = platform.router.forTenant(globex);
    expect(await db.select().from(t.tickets).where(eq(t.tickets.number, globexTicket))).toHaveLength(1);

    const nowhere = 2_000_000_000;
    for (const [path, label] of [
      [`/api/tickets/${globexTicket}`, String(globexTicket)],
      [`/api/tickets/${nowhere}`, String(nowhere)],
    ] as const) {
      for (const [method, body] of [
        ["GET", undefined],
        ["PATCH", { status: "solved" }],
      ] as const) {
        const response = await asToken(method, path, body);
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body).toEqual({ error: { code: "not_found", message: `Ticket #${label} was not found in this workspace.`, details: null } });
      }
      const messages = await asToken("GET", `${path}/messages`);
      expect(messages.status).toBe(404);
      const reply = await asToken("POST", `${path}/messages`, { body: "Hi" });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe("not_found");
    }
    for (const malformed of ["abc", "0", "-1", "1.5", "99999999999", "0x3E9", "1e3", "+1001", "1001.0", "01001", "%201001", "2147483648"]) {
      const response = await asToken("GET", `/api/tickets/${malformed}`);
      expect(response.status, malformed).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
    expect((await call(acme, null, "GET", `/api/tickets/${number}`)).status).toBe(401);
  });

  it("changes properties with the version read, through a session and a token", async () => {
    const before = ticketSchema.parse((await asSession("GET", `/api/tickets/${number}`)).body);
    expect(before.version).toBe(1);
    const changed = await asSession("PATCH", `/api/tickets/${number}`, {
      status: "pending",
      priority: "high",
      assigneeId: ann.id,
      tags: ["follow-up"],
      version: 1,
    });
    expect(changed.status).toBe(200);
    expect(ticketSchema.parse(changed.body)).toMatchObject({
      number,
      status: "pending",
      priority: "high",
      assigneeId: ann.id,
      tags: ["follow-up"],
      version: 2,
    });

    const unassigned = await asToken("PATCH", `/api/tickets/${number}`, { assigneeId: null, subject: "Changed subject" });
    expect(unassigned.status).toBe(200);
    expect(unassigned.body).toMatchObject({ assigneeId: null, subject: "Changed subject", version: 3, status: "pending" });

    const solved = await asToken("PATCH", `/api/tickets/${number}`, { status: "solved" });
    expect(solved.body.solvedAt).not.toBeNull();

    const activity = await asToken("GET", "/api/dashboard/activity?limit=20");
    const actions = activity.body.data
      .filter((item: { ticket: { number: number } | null }) => item.ticket?.number === number)
      .map((item: { action: string }) => item.action);
    expect(actions).toEqual(
      expect.arrayContaining(["ticket.status_changed", "ticket.priority_changed", "ticket.assigned", "ticket.tags_changed", "ticket.subject_changed"]),
    );
  });

  it("refuses a stale version with 409 and the current values, saving nothing", async () => {
    const current = (await asToken("GET", `/api/tickets/${number}`)).body;
    const stale = await asToken("PATCH", `/api/tickets/${number}`, { priority: "low", version: current.version - 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("version_conflict");
    expect(stale.body.error.details).toEqual({
      current: {
        number,
        version: current.version,
        subject: current.subject,
        status: current.status,
        statusCategory: current.statusCategory,
        priority: current.priority,
        assigneeId: current.assigneeId,
        tags: current.tags,
      },
    });
    expect((await asToken("GET", `/api/tickets/${number}`)).body).toEqual(current);
  });

  it("refuses unknown fields, bad values and an empty change with 400", async () => {
    const cases: Array<[unknown, string]> = [
      [{ status: "solved", number: 5 }, "Unrecognized key"],
      [{ status: "Done!" }, "status"], // not a status key at all; a well-formed unknown key is the domain's 400 (api-ticket-statuses)
      [{ assigneeId: "ann" }, "assigneeId"],
      [{ version: 0, status: "open" }, "version"],
      [{}, "Send at least one of"],
      [{ version: 3 }, "Send at least one of"],
      [[{ status: "open" }], "expected object"],
    ];
    for (const [body, mentions] of cases) {
      const response = await asToken("PATCH", `/api/tickets/${number}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("validation_failed");
      expect(JSON.stringify(response.body.error.details), JSON.stringify(body)).toContain(mentions);
    }
    const unknownQuery = await asToken("GET", `/api/tickets/${number}?expand=messages`);
    expect(unknownQuery.status).toBe(400);
  });

  it("answers 405 with Allow for a method the endpoint does not serve", async () => {
    const response = await asToken("DELETE", `/api/tickets/${number}`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, PATCH, HEAD, OPTIONS");
    expect(response.body).toEqual({
      error: { code: "method_not_allowed", message: expect.stringContaining("DELETE"), details: { allowed: ["GET", "PATCH"] } },
    });
    expect((await asToken("PUT", "/api/tickets", { subject: "x" })).status).toBe(405);
  });
});

describe("/api/tickets/:number/messages", () => {
  let number: number;
  beforeAll(async () => {
    number = (await asToken("POST", "/api/tickets", { subject: "Thread", message: "Customer asks", customer: { name: "Quinn", email: "quinn@acme.test" } }))
      .body.number;
  });

  it("adds replies and internal notes (201, Location) and lists the thread with notes flagged", async () => {
    const reply = await asSession("POST", `/api/tickets/${number}/messages`, { body: " We are on it. " });
    expect(reply.status).toBe(201);
    expect(reply.headers.get("location")).toBe(`/api/tickets/${number}/messages`);
    expect(messageSchema.parse(reply.body)).toMatchObject({ authorType: "agent", authorName: "Ann Agent", internal: false, body: "We are on it." });
    const note = await asToken("POST", `/api/tickets/${number}/messages`, { body: "Customer is a VIP", internal: true });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ internal: true, body: "Customer is a VIP" });

    const thread = await asToken("GET", `/api/tickets/${number}/messages`);
    expect(thread.status).toBe(200);
    const page = messagePageSchema.parse(thread.body);
    expect(page.data.map(({ authorType, internal, body }) => ({ authorType, internal, body }))).toEqual([
      { authorType: "customer", internal: false, body: "Customer asks" },
      { authorType: "agent", internal: false, body: "We are on it." },
      { authorType: "agent", internal: true, body: "Customer is a VIP" },
    ]);
    expect(page.data[1]).toEqual(reply.body);
    expect((await asSession("GET", `/api/tickets/${number}/messages`)).body).toEqual(thread.body);
    // The first public agent reply is the first response.
    expect((await asToken("GET", `/api/tickets/${number}`)).body.firstResponseAt).not.toBeNull();
  });

  it("pages the thread with limit and cursor", async () => {
    const first = await asToken("GET", `/api/tickets/${number}/messages?limit=2`);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await asToken("GET", `/api/tickets/${number}/messages?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((m: { body: string }) => m.body)).toEqual(["Customer is a VIP"]);
    expect(second.body.nextCursor).toBeNull();
    const foreignCursor = Buffer.from(JSON.stringify(["123456789"])).toString("base64url");
    const bad = await asToken("GET", `/api/tickets/${number}/messages?cursor=${foreignCursor}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_cursor");
  });

  it("refuses bad bodies with 400 and needs authentication", async () => {
    for (const [body, mentions] of [
      [{ body: "" }, "Write a message"],
      [{ body: "x", internal: "yes" }, "internal"],
      [{ body: "x", kind: "internal" }, "Unrecognized key"],
      [{ text: "x" }, "body"],
    ] as const) {
      const response = await asToken("POST", `/api/tickets/${number}/messages`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(response.body.error.details)).toContain(mentions);
    }
    expect((await call(acme, null, "GET", `/api/tickets/${number}/messages`)).status).toBe(401);
    expect((await call(acme, null, "POST", `/api/tickets/${number}/messages`, { body: "x" }, { origin: `http://${acme.slug}.localhost` })).status).toBe(401);
    expect((await asToken("GET", `/api/tickets/${number}/messages?limit=500`)).status).toBe(400);
  });
});

describe("request bodies", () => {
  it("refuses other media types with 415, malformed and empty JSON with 400", async () => {
    const form = await call(acme, { token: annToken }, "POST", "/api/tickets", "subject=x&message=y", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect(form.body).toEqual({
      error: {
        code: "unsupported_media_type",
        message: expect.stringContaining("application/json"),
        details: { contentType: "application/x-www-form-urlencoded" },
      },
    });
    const none = await server.request(`${acme.slug}.localhost`, "/api/tickets", {
      method: "POST",
      headers: { authorization: `Bearer ${annToken}` },
      body: "{}",
    });
    expect(none.status).toBe(415);
    expect((await call(acme, { token: annToken }, "POST", "/api/tickets", "{}", { "content-type": "application/json; charset=latin1" })).status).toBe(415);
    expect(
      (
        await call(acme, { token: annToken }, "POST", "/api/tickets", '{"subject":"x","message":"y","customerId":9999999}', {
          "content-type": "application/json; charset=UTF-8",
        })
      ).status,
    ).toBe(400);

    const malformed = await asToken("POST", "/api/tickets", '{"subject": "x",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      code: "invalid_json",
      message: "The request body is not valid JSON.",
      details: { reason: expect.any(String) },
    });
    const empty = await asToken("POST", "/api/tickets", " ");
    expect(empty.body.error).toMatchObject({ code: "invalid_json", message: expect.stringContaining("empty") });
  });

  it("refuses bodies over 1 MB with 413, by Content-Length and by the bytes actually sent", async () => {
    const big = JSON.stringify({ subject: "x", message: "m".repeat(1024 * 1024), customerId: 1 });
    const declared = await call(acme, { token: annToken }, "POST", "/api/tickets", big, { "content-length": String(Buffer.byteLength(big)) });
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual({
      error: { code: "payload_too_large", message: "The request body is larger than 1 MB.", details: { limitBytes: 1024 * 1024 } },
    });
    // A declared size over the limit is refused before the body arrives (here it never would).
    const claimed = await call(acme, { token: annToken }, "POST", "/api/tickets", "{}", { "content-length": String(2 * 1024 * 1024), connection: "close" });
    expect(claimed.status).toBe(413);
    // Without Content-Length (chunked), the limit holds on what arrives.
    const streamed = await asToken("POST", "/api/tickets", big);
    expect(streamed.status).toBe(413);
    expect(streamed.body.error.code).toBe("payload_too_large");
    // Just under the limit is read and validated.
    const nearly = await asToken("POST", "/api/tickets", { subject: "x", message: "m".repeat(1000 * 1000), customerId: 1 });
    expect(nearly.status).toBe(400);
    expect(JSON.stringify(nearly.body.error.details)).toContain("message");
    // The server is still fine afterwards.
    expect((await asToken("GET", "/api/tickets?limit=1")).status).toBe(200);
  });
});
