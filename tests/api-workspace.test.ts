import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchema } from "zod-openapi";
import { activityPageSchema, dashboardStatsSchema, meSchema, newTicketBody } from "../app/api/api-schemas";
import { createApiToken, revokeApiToken } from "../app/auth/api-tokens.server";
import { clearDashboardCache } from "../app/dashboard/dashboard-stats.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { apiCall, type ApiCredentials } from "./support/api-client";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let member: Awaited<ReturnType<typeof createMember>>;
let token: string;
let session: { cookie: string; csrf: string };

const call = (credentials: ApiCredentials, method: string, path: string, body?: unknown, target: TestServer = server) =>
  apiCall(target, acme, credentials, method, path, body);
const asToken = (method: string, path: string, body?: unknown) => call({ token }, method, path, body);
const asSession = (method: string, path: string, body?: unknown) => call(session, method, path, body);

beforeAll(async () => {
  acme = await createTestTenant(platform);
  member = await createMember(platform, acme, { email: "dana@acme.test", name: "Dana" });
  token = (await createApiToken(platform.router.forTenant(acme), member, "tests")).token;
  session = await sessionFor(platform, acme, member.id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("GET /api/auth/me", () => {
  it("names the member and workspace, and how they signed in", async () => {
    const bySession = await asSession("GET", "/api/auth/me");
    expect(bySession.status).toBe(200);
    expect(meSchema.parse(bySession.body)).toEqual({
      user: { id: member.id, email: "dana@acme.test", name: "Dana", role: "agent" },
      workspace: { slug: acme.slug, name: acme.name },
      authenticatedWith: "session",
    });
    const byToken = await asToken("GET", "/api/auth/me");
    expect(byToken.body).toEqual({ ...bySession.body, authenticatedWith: "token" });
  });

  it("answers 401 anonymously or with a revoked token, 400 for unknown parameters, 405 for other methods", async () => {
    const anonymous = await call(null, "GET", "/api/auth/me");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: { code: "unauthenticated", message: expect.any(String), details: null } });
    const handle = platform.router.forTenant(acme);
    const revoked = await createApiToken(handle, member, "short-lived");
    expect((await call({ token: revoked.token }, "GET", "/api/auth/me")).status).toBe(200);
    await revokeApiToken(handle, member, revoked.summary.id);
    const afterRevoke = await call({ token: revoked.token }, "GET", "/api/auth/me");
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.error.code).toBe("invalid_token");

    const unknown = await asToken("GET", "/api/auth/me?verbose=1");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: "validation_failed",
      details: [expect.objectContaining({ code: "unrecognized_keys", message: expect.stringContaining("verbose") })],
    });
    const post = await asToken("POST", "/api/auth/me", {});
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(post.body.error.code).toBe("method_not_allowed");
  });
});

describe("GET /api/dashboard/stats", () => {
  it("reports the live counts and the trends, through a session and a token", async () => {
    for (const assigneeId of [member.id, null, null]) {
      expect(
        (await asToken("POST", "/api/tickets", { subject: "Stats", message: "M", customer: { name: "S", email: "s@acme.test" }, assigneeId })).status,
      ).toBe(201);
    }
    expect(
      (await asToken("POST", "/api/tickets", { subject: "Waiting", message: "M", customer: { name: "S", email: "s@acme.test" }, status: "pending" })).status,
    ).toBe(201);
    clearDashboardCache(platform.router.forTenant(acme));
    const bySession = await asSession("GET", "/api/dashboard/stats");
    expect(bySession.status).toBe(200);
    const stats = dashboardStatsSchema.parse(bySession.body);
    // unassigned counts every unsolved ticket without an assignee: two open, one pending.
    expect(stats).toMatchObject({ open: 3, unassigned: 3, pending: 1, created7d: { current: 4, previous: 0 } });
    expect(stats.volume).toHaveLength(30);
    expect(stats.volume.at(-1)).toMatchObject({ created: 4 });
    expect(Date.parse(stats.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    const byToken = await asToken("GET", "/api/dashboard/stats");
    expect(byToken.body).toMatchObject({ open: 3, unassigned: 3, pending: 1 });
  });

  it("answers 401 anonymously and 400 for unknown parameters", async () => {
    expect((await call(null, "GET", "/api/dashboard/stats")).status).toBe(401);
    const unknown = await asToken("GET", "/api/dashboard/stats?days=7");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("validation_failed");
  });
});

describe("GET /api/dashboard/activity", () => {
  it("lists what happened, newest first, and pages through it", async () => {
    const ticket = (await asToken("POST", "/api/tickets", { subject: "Activity", message: "M", customer: { name: "Act", email: "act@acme.test" } })).body;
    await asToken("PATCH", `/api/tickets/${ticket.number}`, { priority: "high" });
    const bySession = await asSession("GET", "/api/dashboard/activity?limit=2");
    expect(bySession.status).toBe(200);
    const page = activityPageSchema.parse(bySession.body);
    expect(page.data.map((item) => item.action)).toEqual(["ticket.priority_changed", "ticket.created"]);
    expect(page.data[0]).toMatchObject({
      actor: { type: "agent", id: member.id, name: "Dana" },
      entityType: "ticket",
      ticket: { number: ticket.number, subject: "Activity" },
      customer: { name: "Act" },
      changes: { priority: { from: "normal", to: "high" } },
    });
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await asToken("GET", `/api/dashboard/activity?limit=2&cursor=${page.nextCursor}`);
    expect(next.status).toBe(200);
    expect(next.body.data[0].id).toBeLessThan(page.data[1]!.id);
    expect((await asToken("GET", "/api/dashboard/activity?limit=2")).body).toEqual(bySession.body);
  });

  it("answers 400 for bad cursors, limits and parameters, 401 anonymously", async () => {
    for (const [query, code] of [
      ["?cursor=bm9wZQ", "invalid_cursor"],
      ["?limit=-1", "validation_failed"],
      ["?limit=101", "validation_failed"],
      ["?ticket=1", "validation_failed"],
    ] as const) {
      const response = await asToken("GET", `/api/dashboard/activity${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe(code);
    }
    expect((await call(null, "GET", "/api/dashboard/activity")).status).toBe(401);
  });
});

describe("/api plumbing", () => {
  it("holds every endpoint to the same rules: 401 anonymous; JSON bodies only, at most 1 MB", async () => {
    const ticket = (await asToken("POST", "/api/tickets", { subject: "Sweep", message: "M", customer: { name: "Sweep", email: "sweep@acme.test" } })).body;
    const reads = [
      "/api/auth/me",
      "/api/dashboard/stats",
      "/api/dashboard/activity",
      "/api/tickets",
      `/api/tickets/${ticket.number}`,
      `/api/tickets/${ticket.number}/messages`,
      "/api/customers",
      `/api/customers/${ticket.customer.id}`,
    ];
    const writes: Array<[string, string]> = [
      ["POST", "/api/tickets"],
      ["PATCH", `/api/tickets/${ticket.number}`],
      ["POST", `/api/tickets/${ticket.number}/messages`],
      ["POST", "/api/customers"],
      ["PATCH", `/api/customers/${ticket.customer.id}`],
    ];
    for (const path of reads) {
      const anonymous = await call(null, "GET", path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.body.error.code, path).toBe("unauthenticated");
      expect((await asToken("GET", path)).status, path).toBe(200);
    }
    const host = `${acme.slug}.localhost`;
    for (const [method, path] of writes) {
      const anonymous = await call(null, method, path, {});
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      const form = await server.request(host, path, { method, headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" }, body: "{}" });
      expect(form.status, `${method} ${path}`).toBe(415);
      expect((await form.json()).error.code).toBe("unsupported_media_type");
      const huge = await server.request(host, path, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": String(5 * 1024 * 1024), connection: "close" },
        body: "{}",
      });
      expect(huge.status, `${method} ${path}`).toBe(413);
      expect((await huge.json()).error.code).toBe("payload_too_large");
      const malformed = await server.request(host, path, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{oops",
      });
      expect(malformed.status, `${method} ${path}`).toBe(400);
      expect((await malformed.json()).error.code).toBe("invalid_json");
    }
  });

  it("answers unknown /api paths with a JSON 404, OPTIONS with Allow", async () => {
    for (const [method, path] of [
      ["GET", "/api/nothing-here"],
      ["POST", "/api/tickets/1001/close"],
      ["GET", "/api"],
    ] as const) {
      const response = await asToken(method, path, method === "POST" ? {} : undefined);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(response.body.error.code).toBe("not_found");
    }
    const options = await server.request(`${acme.slug}.localhost`, "/api/tickets", { method: "OPTIONS", headers: { authorization: `Bearer ${token}` } });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("GET, POST, HEAD, OPTIONS");
  });

  it("answers the global rate limit on /api with the JSON error shape", async () => {
    const limited = await startTestServer(platform, { trustProxy: true, env: { GLOBAL_RATE_LIMIT_PER_MINUTE: "3" } });
    try {
      const ip = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i += 1) {
        last = await limited.request(`${acme.slug}.localhost`, "/api/auth/me", { headers: { authorization: `Bearer ${token}`, "x-forwarded-for": ip } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await last!.json()).toEqual({
        error: { code: "rate_limited", message: expect.stringContaining("Too many requests"), details: { retryAfterSeconds: expect.any(Number) } },
      });
    } finally {
      await limited.close();
    }
  });
});

describe("GET /api/openapi.json", () => {
  const endpoints = [
    "get /api/auth/me",
    "get /api/dashboard/stats",
    "get /api/dashboard/activity",
    "get /api/customers",
    "post /api/customers",
    "get /api/customers/{id}",
    "patch /api/customers/{id}",
    "get /api/tickets",
    "get /api/ticket-statuses",
    "post /api/tickets",
    "get /api/tickets/{number}",
    "patch /api/tickets/{number}",
    "get /api/tickets/{number}/messages",
    "post /api/tickets/{number}/messages",
    "get /api/webhooks",
    "post /api/webhooks",
    "get /api/webhooks/{id}",
    "patch /api/webhooks/{id}",
    "delete /api/webhooks/{id}",
    "post /api/webhooks/{id}/secret",
    "get /api/webhooks/{id}/deliveries",
    "post /api/webhooks/{id}/test",
    "post /api/webhooks/{id}/deliveries/{deliveryId}/redeliver",
    "get /api/openapi.json",
  ];
  /** Operations that answer something other than 200 (GET, PATCH) or 201 (POST). */
  const successOf: Record<string, string> = {
    "delete /api/webhooks/{id}": "204",
    "post /api/webhooks/{id}/secret": "200",
    "post /api/webhooks/{id}/test": "202",
    "post /api/webhooks/{id}/deliveries/{deliveryId}/redeliver": "202",
  };
  /** Operations that change something without a request body: no 400 or 415 to answer. */
  const bodiless = [
    "delete /api/webhooks/{id}",
    "post /api/webhooks/{id}/secret",
    "post /api/webhooks/{id}/test",
    "post /api/webhooks/{id}/deliveries/{deliveryId}/redeliver",
  ];
  let document: any;
  beforeAll(async () => {
    const response = await server.request(`${acme.slug}.localhost`, "/api/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    document = await response.json();
  });

  it("is public and describes every endpoint, no more and no fewer", () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(operations.sort()).toEqual([...endpoints].sort());
    const ids = operations.map((operation) => {
      const [method, path] = operation.split(" ") as [string, string];
      return document.paths[path][method].operationId;
    });
    expect(new Set(ids).size).toBe(endpoints.length);
  });

  it("declares bearer and cookie security, required everywhere but on itself", () => {
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: "http", scheme: "bearer" }),
      sessionCookie: expect.objectContaining({ type: "apiKey", in: "cookie", name: "conductor_session" }),
    });
    expect(document.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
    expect(document.paths["/api/openapi.json"].get.security).toEqual([]);
  });

  it("gives every operation its parameters, bodies, success and error responses", () => {
    for (const endpoint of endpoints.filter((e) => e !== "get /api/openapi.json")) {
      const [method, path] = endpoint.split(" ") as [string, string];
      const operation = document.paths[path][method];
      const parameters: Array<{ in: string; name: string; required?: boolean }> = operation.parameters ?? [];
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1])) {
        expect(
          parameters.find((p) => p.in === "path" && p.name === name),
          `${endpoint} path parameter ${name}`,
        ).toMatchObject({ required: true });
      }
      const success = successOf[endpoint] ?? (method === "post" ? "201" : "200");
      if (success === "204") expect(operation.responses["204"], endpoint).toBeDefined();
      else expect(operation.responses[success]?.content?.["application/json"]?.schema, `${endpoint} ${success}`).toBeDefined();
      if (success === "201") expect(operation.responses["201"].headers.Location, endpoint).toBeDefined();
      const admin = path.startsWith("/api/webhooks");
      expect(operation.tags, endpoint).toEqual([admin ? "Webhooks" : expect.any(String)]);
      const errors =
        method === "get" ? ["400", "401", "429"] : bodiless.includes(endpoint) ? ["401", "403", "413", "429"] : ["400", "401", "403", "413", "415", "429"];
      if (path.includes("{")) errors.push("404");
      if (admin) errors.push("403");
      for (const status of errors) {
        expect(operation.responses[status]?.content?.["application/json"]?.schema?.$ref, `${endpoint} ${status}`).toMatch(
          /^#\/components\/schemas\/(Error|VersionConflictError)$/,
        );
      }
      if (admin) expect(operation.responses["403"].description, endpoint).toContain("`forbidden`");
      if (bodiless.includes(endpoint)) expect(operation.responses["400"], endpoint).toBeUndefined();
      if (method === "get" || bodiless.includes(endpoint)) {
        expect(operation.requestBody, endpoint).toBeUndefined();
      } else {
        expect(operation.requestBody).toMatchObject({ required: true, content: { "application/json": { schema: { $ref: expect.any(String) } } } });
      }
      if (method !== "get") {
        expect(
          parameters.find((p) => p.in === "header" && p.name === "x-csrf-token"),
          endpoint,
        ).toBeDefined();
      }
    }
    expect(document.paths["/api/tickets/{number}"].patch.responses["409"]).toBeDefined();
    expect(document.paths["/api/customers"].post.responses["409"]).toBeDefined();
    expect(document.paths["/api/customers/{id}"].patch.responses["409"]).toBeDefined();
    expect(document.paths["/api/webhooks"].post.responses["409"]).toBeDefined();
    expect(document.paths["/api/webhooks/{id}/test"].post.responses["409"]).toBeDefined();
    expect(document.paths["/api/webhooks/{id}/deliveries/{deliveryId}/redeliver"].post.responses["409"]).toBeDefined();
    expect(document.paths["/api/webhooks/{id}/deliveries"].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["cursor", "id", "limit"]);
    const listParameters = document.paths["/api/tickets"].get.parameters.map((p: { name: string }) => p.name);
    expect(listParameters.sort()).toEqual(["assignee", "channel", "cursor", "customer", "limit", "priority", "q", "sla", "sort", "status", "statusKey", "tag"]);
  });

  it("is generated from the schemas the routes validate with: strict bodies, the error shape, resolvable references", () => {
    const schemas = document.components.schemas;
    for (const name of ["NewTicket", "TicketChanges", "NewMessage", "NewCustomer", "CustomerChanges", "NewWebhook", "WebhookChanges"]) {
      expect(schemas[name]?.additionalProperties, name).toBe(false);
    }
    const generated = createSchema(newTicketBody, { io: "input" });
    expect(schemas.NewTicket).toEqual(JSON.parse(JSON.stringify(generated.components?.NewTicket ?? generated.schema)));
    expect(schemas.NewTicket.required).toEqual(["subject", "message"]);
    expect(schemas.NewTicket.oneOf).toEqual([{ required: ["customerId"] }, { required: ["customer"] }]);
    expect(schemas.Error).toMatchObject({ type: "object", required: ["error"], properties: { error: { required: ["code", "message", "details"] } } });
    expect(schemas.Ticket.properties.createdAt).toMatchObject({ type: "string", format: "date-time" });
    // A webhook's secret is only in the answers that create or rotate it.
    expect(schemas.Webhook.properties.secret).toBeUndefined();
    expect(schemas.WebhookWithSecret.required).toContain("secret");
    expect(schemas.NewWebhook.required).toEqual(["url", "events"]);
    expect(schemas.NewWebhook.properties.events.items.enum).toEqual(["ticket.created", "ticket.updated", "message.created", "customer.created"]);

    const references = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(references.length).toBeGreaterThan(20);
    for (const reference of new Set(references)) {
      const target = /"#\/components\/schemas\/([^"]+)"/.exec(reference.slice(7))?.[1];
      expect(target && schemas[target], reference).toBeDefined();
    }
  });
});
