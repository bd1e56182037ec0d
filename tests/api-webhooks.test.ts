import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveryPageSchema, webhookListSchema, webhookSchema, webhookWithSecretSchema } from "../app/api/api-schemas";
import { createApiToken } from "../app/auth/api-tokens.server";
import { encodeCursor } from "../app/pagination.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import { revealWebhookSecret } from "../app/webhooks/webhooks.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { apiCall, type ApiCredentials } from "./support/api-client";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "./support/test-server";

// The webhooks part of the JSON API (issue 14 item 6), admins only. The settings screens and
// delivery itself: tests/webhooks-settings.test.ts and tests/webhooks-delivery.test.ts.
const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let adminId: number;
let adminToken: string;
let agentToken: string;
let globexAdminToken: string;
let adminSession: { cookie: string; csrf: string };

const call = (tenant: TenantRecord, credentials: ApiCredentials, method: string, path: string, body?: unknown) =>
  apiCall(server, tenant, credentials, method, path, body);
const asAdmin = (method: string, path: string, body?: unknown) => call(acme, { token: adminToken }, method, path, body);
const asAgent = (method: string, path: string, body?: unknown) => call(acme, { token: agentToken }, method, path, body);

const handle = () => platform.router.forTenant(acme);

async function webhookRows(tenant = acme) {
  const { db, t } = platform.router.forTenant(tenant);
  return db.select().from(t.webhooks).orderBy(t.webhooks.id);
}

async function deliveryRows(webhookId: number) {
  const { db, t } = handle();
  return db.select().from(t.webhookDeliveries).where(eq(t.webhookDeliveries.webhookId, webhookId)).orderBy(t.webhookDeliveries.id);
}

/** The deliver_webhook jobs queued for one delivery row. */
async function deliveryJobs(deliveryId: number): Promise<number> {
  const { rows } = await platform.control.pool.query<{ count: number }>(
    `select count(*)::int as count from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
     where tasks.identifier = 'deliver_webhook' and jobs.payload->>'tenantId' = $1 and (jobs.payload->>'deliveryId')::bigint = $2`,
    [acme.id, deliveryId],
  );
  return rows[0]!.count;
}

let hookCount = 0;
/** A webhook made through the API; answers its JSON (with the secret). */
async function newWebhook(fields: Record<string, unknown> = {}) {
  hookCount += 1;
  const response = await asAdmin("POST", "/api/webhooks", { url: `https://hooks.example.com/${hookCount}`, events: ["ticket.created"], ...fields });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return webhookWithSecretSchema.parse(response.body);
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme API Hooks" }), createTestTenant(platform, { name: "Globex API Hooks" })]);
  const admin = await createMember(platform, acme, { email: "ada@api-hooks.test", name: "Ada", role: "admin" });
  adminId = admin.id;
  const agent = await createMember(platform, acme, { email: "alan@api-hooks.test", name: "Alan", role: "agent" });
  const globexAdmin = await createMember(platform, globex, { email: "grace@globex-api-hooks.test", role: "admin" });
  adminToken = (await createApiToken(handle(), admin, "tests")).token;
  agentToken = (await createApiToken(handle(), agent, "tests")).token;
  globexAdminToken = (await createApiToken(platform.router.forTenant(globex), globexAdmin, "tests")).token;
  adminSession = await sessionFor(platform, acme, admin.id);
  server = await startTestServer(platform);
});
// Each test starts without webhooks: a workspace holds at most 20.
afterEach(async () => {
  await handle().db.delete(handle().t.webhooks);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("POST /api/webhooks", () => {
  it("creates a webhook (201, Location) and answers its signing secret, the one the domain seals", async () => {
    const response = await asAdmin("POST", "/api/webhooks", {
      url: "https://hooks.example.com/crm",
      description: "  CRM sync ",
      events: ["message.created", "ticket.created", "message.created"],
    });
    expect(response.status).toBe(201);
    const webhook = webhookWithSecretSchema.parse(response.body);
    expect(response.headers.get("location")).toBe(`/api/webhooks/${webhook.id}`);
    expect(webhook).toMatchObject({
      url: "https://hooks.example.com/crm",
      description: "CRM sync",
      events: ["ticket.created", "message.created"],
      active: true,
      disabledReason: null,
      lastDelivery: null,
    });
    expect(Object.keys(response.body).sort()).toEqual(
      ["active", "createdAt", "description", "disabledReason", "events", "id", "lastDelivery", "secret", "updatedAt", "url"].sort(),
    );
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(await revealWebhookSecret(handle(), TEST_SESSION_SECRET, webhook.id)).toBe(webhook.secret);
    const [row] = (await webhookRows()).filter((hook) => hook.id === webhook.id);
    expect(row).toMatchObject({ url: "https://hooks.example.com/crm", events: ["ticket.created", "message.created"], active: true });

    const { db, t } = handle();
    const [logged] = await db
      .select()
      .from(t.activityLogs)
      .where(and(eq(t.activityLogs.entityType, "webhook"), eq(t.activityLogs.entityId, webhook.id)));
    expect(logged).toMatchObject({ action: "webhook.created", entityType: "webhook", actorType: "agent", actorUserId: adminId });
  });

  it("takes active: false, and works with a browser session and its CSRF token", async () => {
    const response = await call(acme, adminSession, "POST", "/api/webhooks", {
      url: "https://hooks.example.com/quiet",
      events: ["customer.created"],
      active: false,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ active: false, description: "", events: ["customer.created"] });
    const withoutCsrf = await call(acme, { cookie: adminSession.cookie, csrf: "wrong" }, "POST", "/api/webhooks", {
      url: "https://hooks.example.com/forged",
      events: ["customer.created"],
    });
    expect(withoutCsrf.status).toBe(403);
    expect((await webhookRows()).map((hook) => hook.url)).not.toContain("https://hooks.example.com/forged");
  });
});

describe("GET /api/webhooks and /api/webhooks/{id}", () => {
  it("lists every webhook oldest first and gets one, never with the secret", async () => {
    const first = await newWebhook({ description: "first" });
    const second = await newWebhook({ description: "second", events: ["ticket.updated", "customer.created"] });
    const list = await asAdmin("GET", "/api/webhooks");
    expect(list.status).toBe(200);
    const { data } = webhookListSchema.parse(list.body);
    const rows = await webhookRows();
    expect(data.map((hook) => hook.id)).toEqual(rows.map((row) => row.id));
    const { secret: firstSecret, ...firstShown } = first;
    const { secret: secondSecret, ...secondShown } = second;
    expect(data.find((hook) => hook.id === first.id)).toEqual(firstShown);
    expect(data.find((hook) => hook.id === second.id)).toEqual(secondShown);

    const one = await asAdmin("GET", `/api/webhooks/${second.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(secondShown);

    for (const response of [list, one]) {
      const text = JSON.stringify(response.body);
      expect(text).not.toContain("whsec_");
      expect(text).not.toContain(firstSecret);
      expect(text).not.toContain(secondSecret);
      expect(text).not.toContain('"secret"');
    }
    expect((await asAdmin("GET", "/api/webhooks?all=1")).status).toBe(400);
    expect((await asAdmin("GET", `/api/webhooks/${first.id}?reveal=1`)).status).toBe(400);
  });

  it("shows the latest delivery's outcome", async () => {
    const webhook = await newWebhook();
    const quiet = await newWebhook({ events: ["ticket.updated"] });
    await createTicket(
      handle(),
      { type: "system" },
      { customer: { name: "Lou", email: "lou@customers.test" }, subject: "Hello", message: "Hi", channel: "api" },
    );
    const [delivery] = await deliveryRows(webhook.id);
    await handle()
      .db.update(handle().t.webhookDeliveries)
      .set({ status: "failed", responseStatus: 503 })
      .where(eq(handle().t.webhookDeliveries.id, delivery!.id));
    const shown = webhookSchema.parse((await asAdmin("GET", `/api/webhooks/${webhook.id}`)).body);
    expect(shown.lastDelivery).toEqual({ status: "failed", responseStatus: 503, createdAt: delivery!.createdAt.toISOString() });
    const listed = webhookListSchema.parse((await asAdmin("GET", "/api/webhooks")).body).data.find((hook) => hook.id === webhook.id);
    expect(listed?.lastDelivery).toEqual(shown.lastDelivery);
    expect((await asAdmin("GET", `/api/webhooks/${quiet.id}`)).body.lastDelivery).toBeNull();
  });
});

describe("PATCH /api/webhooks/{id}", () => {
  it("changes the given fields only and answers the webhook as it is now", async () => {
    const webhook = await newWebhook({ description: "before", events: ["ticket.created", "message.created"] });
    const described = await asAdmin("PATCH", `/api/webhooks/${webhook.id}`, { description: "after" });
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({ url: webhook.url, description: "after", events: ["ticket.created", "message.created"], active: true });
    expect(Date.parse(described.body.updatedAt)).toBeGreaterThan(Date.parse(webhook.updatedAt));

    const moved = await asAdmin("PATCH", `/api/webhooks/${webhook.id}`, {
      url: "https://hooks.example.com/moved",
      events: ["customer.created"],
      active: false,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ url: "https://hooks.example.com/moved", description: "after", events: ["customer.created"], active: false });
    expect(moved.body).not.toHaveProperty("secret");
    const [row] = (await webhookRows()).filter((hook) => hook.id === webhook.id);
    expect(row).toMatchObject({ url: "https://hooks.example.com/moved", description: "after", events: ["customer.created"], active: false });
    expect(await revealWebhookSecret(handle(), TEST_SESSION_SECRET, webhook.id)).toBe(webhook.secret);
    expect((await asAdmin("GET", `/api/webhooks/${webhook.id}`)).body).toEqual(moved.body);
  });

  it("switching on clears why Conductor had switched the webhook off", async () => {
    const webhook = await newWebhook();
    const { db, t } = handle();
    await db.update(t.webhooks).set({ active: false, disabledReason: "no delivery has succeeded since …" }).where(eq(t.webhooks.id, webhook.id));
    expect((await asAdmin("GET", `/api/webhooks/${webhook.id}`)).body).toMatchObject({ active: false, disabledReason: "no delivery has succeeded since …" });
    const on = await asAdmin("PATCH", `/api/webhooks/${webhook.id}`, { active: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ active: true, disabledReason: null });
  });
});

describe("DELETE /api/webhooks/{id}", () => {
  it("deletes the webhook and its log (204, no body); a second delete is a 404", async () => {
    const webhook = await newWebhook();
    expect((await asAdmin("POST", `/api/webhooks/${webhook.id}/test`)).status).toBe(202);
    const deleted = await asAdmin("DELETE", `/api/webhooks/${webhook.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect((await webhookRows()).map((hook) => hook.id)).not.toContain(webhook.id);
    expect(await deliveryRows(webhook.id)).toEqual([]);
    expect((await asAdmin("GET", `/api/webhooks/${webhook.id}`)).status).toBe(404);
    const again = await asAdmin("DELETE", `/api/webhooks/${webhook.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("not_found");
  });
});

describe("POST /api/webhooks/{id}/secret", () => {
  it("rotates the secret and answers the new one; GETs still never show it", async () => {
    const webhook = await newWebhook();
    const rotated = await asAdmin("POST", `/api/webhooks/${webhook.id}/secret`);
    expect(rotated.status).toBe(200);
    const { secret, ...shown } = webhookWithSecretSchema.parse(rotated.body);
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(webhook.secret);
    expect(await revealWebhookSecret(handle(), TEST_SESSION_SECRET, webhook.id)).toBe(secret);
    expect(shown).toMatchObject({ id: webhook.id, url: webhook.url });
    const fetched = await asAdmin("GET", `/api/webhooks/${webhook.id}`);
    expect(fetched.body).toEqual(shown);
    expect(JSON.stringify(fetched.body)).not.toContain(secret);
  });
});

describe("POST /api/webhooks/{id}/test and GET /api/webhooks/{id}/deliveries", () => {
  it("queues a test event (202 with its id) that the delivery log lists, payload and all", async () => {
    const webhook = await newWebhook();
    const queued = await asAdmin("POST", `/api/webhooks/${webhook.id}/test`);
    expect(queued.status).toBe(202);
    const [row] = await deliveryRows(webhook.id);
    expect(queued.body).toEqual({ deliveryId: row!.id });
    expect(row).toMatchObject({ event: "webhook.test", status: "pending" });
    expect(await deliveryJobs(row!.id)).toBe(1);

    const log = await asAdmin("GET", `/api/webhooks/${webhook.id}/deliveries`);
    expect(log.status).toBe(200);
    const page = webhookDeliveryPageSchema.parse(log.body);
    expect(page.nextCursor).toBeNull();
    expect(page.data).toEqual([
      {
        id: row!.id,
        messageId: row!.messageId,
        event: "webhook.test",
        status: "pending",
        attempts: 0,
        responseStatus: null,
        durationMs: null,
        responseExcerpt: null,
        lastError: null,
        lastAttemptAt: null,
        deliveredAt: null,
        createdAt: row!.createdAt.toISOString(),
        payload: { type: "webhook.test", timestamp: expect.any(String), data: { workspace: acme.slug } },
      },
    ]);
    expect(JSON.stringify(log.body)).not.toContain(webhook.secret);
  });

  it("refuses a test to a switched-off webhook with 409 and queues nothing", async () => {
    const webhook = await newWebhook({ active: false });
    const refused = await asAdmin("POST", `/api/webhooks/${webhook.id}/test`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    expect(await deliveryRows(webhook.id)).toEqual([]);
  });

  it("pages newest first without repeats or gaps, and only this webhook's deliveries", async () => {
    const webhook = await newWebhook();
    const other = await newWebhook();
    for (let i = 0; i < 7; i += 1) {
      expect((await asAdmin("POST", `/api/webhooks/${webhook.id}/test`)).status).toBe(202);
      if (i % 3 === 0) expect((await asAdmin("POST", `/api/webhooks/${other.id}/test`)).status).toBe(202);
    }
    const expected = (await deliveryRows(webhook.id)).map((row) => row.id).reverse();
    expect(expected).toHaveLength(7);

    const seen: number[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await asAdmin("GET", `/api/webhooks/${webhook.id}/deliveries?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const page = webhookDeliveryPageSchema.parse(response.body);
      seen.push(...page.data.map((delivery) => delivery.id));
      sizes.push(page.data.length);
      if (page.nextCursor) expect(page.nextCursor).not.toMatch(/^\d+$/);
      cursor = page.nextCursor;
    } while (cursor && sizes.length < 10);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(expected);

    // A page that ends exactly at the last delivery says so instead of promising an empty one.
    const whole = webhookDeliveryPageSchema.parse((await asAdmin("GET", `/api/webhooks/${webhook.id}/deliveries?limit=7`)).body);
    expect(whole.data.map((delivery) => delivery.id)).toEqual(expected);
    expect(whole.nextCursor).toBeNull();
    const byDefault = webhookDeliveryPageSchema.parse((await asAdmin("GET", `/api/webhooks/${webhook.id}/deliveries`)).body);
    expect(byDefault.data.map((delivery) => delivery.id)).toEqual(expected);
  });

  it("answers 400 for bad cursors, limits and parameters", async () => {
    const webhook = await newWebhook();
    for (const [query, code] of [
      ["?cursor=bm9wZQ", "invalid_cursor"],
      [`?cursor=${encodeCursor(["abc"])}`, "invalid_cursor"],
      [`?cursor=${encodeCursor([0])}`, "invalid_cursor"],
      [`?cursor=${encodeCursor([1, 2])}`, "invalid_cursor"],
      ["?limit=0", "validation_failed"],
      ["?limit=101", "validation_failed"],
      ["?limit=1&limit=2", "validation_failed"],
      ["?status=failed", "validation_failed"],
    ] as const) {
      const response = await asAdmin("GET", `/api/webhooks/${webhook.id}/deliveries${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe(code);
    }
  });
});

describe("POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver", () => {
  it("queues a finished delivery again (202); one still being sent is a 409, another webhook's or an unknown one a 404", async () => {
    const webhook = await newWebhook();
    const other = await newWebhook();
    const { deliveryId } = (await asAdmin("POST", `/api/webhooks/${webhook.id}/test`)).body;
    const { deliveryId: otherDelivery } = (await asAdmin("POST", `/api/webhooks/${other.id}/test`)).body;
    const { db, t } = handle();

    const pending = await asAdmin("POST", `/api/webhooks/${webhook.id}/deliveries/${deliveryId}/redeliver`);
    expect(pending.status).toBe(409);
    expect(pending.body.error.code).toBe("conflict");
    expect(await deliveryJobs(deliveryId)).toBe(1);

    // As the worker leaves a delivery that failed on every attempt.
    await db.update(t.webhookDeliveries).set({ status: "failed", attempts: 10, responseStatus: 500 }).where(eq(t.webhookDeliveries.id, deliveryId));
    const queued = await asAdmin("POST", `/api/webhooks/${webhook.id}/deliveries/${deliveryId}/redeliver`);
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ deliveryId });
    const [row] = await deliveryRows(webhook.id);
    expect(row).toMatchObject({ id: deliveryId, status: "pending" });
    expect(await deliveryJobs(deliveryId)).toBe(2);

    await db.update(t.webhookDeliveries).set({ status: "delivered" }).where(eq(t.webhookDeliveries.id, otherDelivery));
    for (const path of [
      `/api/webhooks/${webhook.id}/deliveries/${otherDelivery}/redeliver`,
      `/api/webhooks/${webhook.id}/deliveries/999999999/redeliver`,
      `/api/webhooks/${webhook.id}/deliveries/abc/redeliver`,
      `/api/webhooks/${webhook.id}/deliveries/0${otherDelivery}/redeliver`,
    ]) {
      const response = await asAdmin("POST", path);
      expect(response.status, path).toBe(404);
      expect(response.body.error.code, path).toBe("not_found");
    }
    const [untouched] = await deliveryRows(other.id);
    expect(untouched).toMatchObject({ status: "delivered" });
    expect(await deliveryJobs(otherDelivery)).toBe(1);
  });
});

/** Every operation of the webhooks API, on one webhook and one of its deliveries. */
function operations(webhookId: number | string, deliveryId: number | string): Array<[string, string, unknown?]> {
  return [
    ["GET", "/api/webhooks"],
    ["POST", "/api/webhooks", { url: "https://hooks.example.com/intruder", events: ["ticket.created"] }],
    ["GET", `/api/webhooks/${webhookId}`],
    ["PATCH", `/api/webhooks/${webhookId}`, { url: "https://hooks.example.com/intruder" }],
    ["DELETE", `/api/webhooks/${webhookId}`],
    ["POST", `/api/webhooks/${webhookId}/secret`],
    ["GET", `/api/webhooks/${webhookId}/deliveries`],
    ["POST", `/api/webhooks/${webhookId}/test`],
    ["POST", `/api/webhooks/${webhookId}/deliveries/${deliveryId}/redeliver`],
  ];
}

describe("who may use the webhooks API", () => {
  it("answers an agent's token 403 and a request without credentials 401 on every endpoint, and changes nothing", async () => {
    const webhook = await newWebhook();
    const { deliveryId } = (await asAdmin("POST", `/api/webhooks/${webhook.id}/test`)).body;
    await handle().db.update(handle().t.webhookDeliveries).set({ status: "failed" }).where(eq(handle().t.webhookDeliveries.id, deliveryId));
    const before = { webhooks: await webhookRows(), deliveries: await deliveryRows(webhook.id), jobs: await deliveryJobs(deliveryId) };

    for (const [method, path, body] of operations(webhook.id, deliveryId)) {
      const agent = await asAgent(method, path, body);
      expect(agent.status, `agent ${method} ${path}`).toBe(403);
      expect(agent.body.error.code, `agent ${method} ${path}`).toBe("forbidden");
      expect(JSON.stringify(agent.body)).not.toContain("whsec_");
      const anonymous = await call(acme, null, method, path, body);
      expect(anonymous.status, `anonymous ${method} ${path}`).toBe(401);
      expect(anonymous.body.error.code).toBe("unauthenticated");
    }
    expect(await webhookRows()).toEqual(before.webhooks);
    expect(await deliveryRows(webhook.id)).toEqual(before.deliveries);
    expect(await deliveryJobs(deliveryId)).toBe(before.jobs);
    expect(await revealWebhookSecret(handle(), TEST_SESSION_SECRET, webhook.id)).toBe(webhook.secret);
  });

  it("keeps workspaces apart: another workspace's admin gets 404 for every id and changes nothing", async () => {
    const webhook = await newWebhook({ description: "acme only" });
    const { deliveryId } = (await asAdmin("POST", `/api/webhooks/${webhook.id}/test`)).body;
    await handle().db.update(handle().t.webhookDeliveries).set({ status: "failed" }).where(eq(handle().t.webhookDeliveries.id, deliveryId));
    const before = { webhooks: await webhookRows(), deliveries: await deliveryRows(webhook.id), jobs: await deliveryJobs(deliveryId) };
    expect(await webhookRows(globex)).toEqual([]);

    for (const [method, path, body] of operations(webhook.id, deliveryId).filter(([, path]) => path !== "/api/webhooks")) {
      const response = await call(globex, { token: globexAdminToken }, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code, `${method} ${path}`).toBe("not_found");
    }
    expect((await call(globex, { token: globexAdminToken }, "GET", "/api/webhooks")).body).toEqual({ data: [] });
    // Acme's token on globex's host is not a globex member's token.
    expect((await call(globex, { token: adminToken }, "GET", "/api/webhooks")).status).toBe(401);

    expect(await webhookRows()).toEqual(before.webhooks);
    expect(await deliveryRows(webhook.id)).toEqual(before.deliveries);
    expect(await deliveryJobs(deliveryId)).toBe(before.jobs);
    expect(await revealWebhookSecret(handle(), TEST_SESSION_SECRET, webhook.id)).toBe(webhook.secret);
    expect(await webhookRows(globex)).toEqual([]);
  });
});

describe("hostile input", () => {
  it("refuses private addresses, bad URLs, missing or unknown events, unknown fields and oversized text, saving nothing", async () => {
    const valid = { url: "https://hooks.example.com/ok", events: ["ticket.created"] };
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ ...valid, url: "http://10.0.0.7/hook" }, "invalid_field", "url"],
      [{ ...valid, url: "https://127.0.0.1/hook" }, "invalid_field", "url"],
      [{ ...valid, url: "http://localhost:3000/hook" }, "invalid_field", "url"],
      [{ ...valid, url: "https://[::1]/hook" }, "invalid_field", "url"],
      [{ ...valid, url: "http://169.254.169.254/latest/meta-data" }, "invalid_field", "url"],
      [{ ...valid, url: "http://[::ffff:192.168.1.1]/hook" }, "invalid_field", "url"],
      [{ ...valid, url: "not a url" }, "validation_failed", "url"],
      [{ ...valid, url: "ftp://files.example.com/x" }, "validation_failed", "url"],
      [{ ...valid, url: "javascript:alert(1)" }, "validation_failed", "url"],
      [{ ...valid, url: "https://user:pw@hooks.example.com/x" }, "validation_failed", "url"],
      [{ ...valid, url: `https://hooks.example.com/${"a".repeat(2000)}` }, "validation_failed", "url"],
      [{ ...valid, url: 42 }, "validation_failed", "url"],
      [{ url: valid.url }, "validation_failed", "events"],
      [{ ...valid, events: [] }, "validation_failed", "events"],
      [{ ...valid, events: ["ticket.deleted"] }, "validation_failed", "events.0"],
      [{ ...valid, events: "ticket.created" }, "validation_failed", "events"],
      [{ ...valid, events: ["ticket.created", "webhook.test"] }, "validation_failed", "events.1"],
      [{ ...valid, description: "x".repeat(201) }, "validation_failed", "description"],
      [{ ...valid, description: "x".repeat(100_000) }, "validation_failed", "description"],
      [{ ...valid, active: "yes" }, "validation_failed", "active"],
      [{ ...valid, secret: "whsec_chosen" }, "validation_failed", ""],
      [{ ...valid, id: 1 }, "validation_failed", ""],
    ];
    const before = await webhookRows();
    for (const [body, code, field] of cases) {
      const label = JSON.stringify(body).slice(0, 100);
      const response = await asAdmin("POST", "/api/webhooks", body);
      expect(response.status, label).toBe(400);
      expect(response.body.error.code, label).toBe(code);
      if (code === "invalid_field") expect(response.body.error.details, label).toEqual({ field });
      else
        expect(
          response.body.error.details.map((issue: { path: string }) => issue.path),
          label,
        ).toContain(field);
    }
    expect(await webhookRows()).toEqual(before);
  });

  it("refuses the same in a PATCH, and an empty or unknown change, leaving the webhook as it was", async () => {
    const webhook = await newWebhook();
    const [before] = (await webhookRows()).filter((hook) => hook.id === webhook.id);
    const cases: Array<[unknown, number, string]> = [
      [{ url: "http://192.168.0.10/hook" }, 400, "invalid_field"],
      [{ url: "http://localhost/hook" }, 400, "invalid_field"],
      [{ events: [] }, 400, "validation_failed"],
      [{ events: ["ticket.exploded"] }, 400, "validation_failed"],
      [{ description: "x".repeat(5000) }, 400, "validation_failed"],
      [{}, 400, "validation_failed"],
      [{ url: undefined }, 400, "validation_failed"],
      [{ active: true, secret: "whsec_chosen" }, 400, "validation_failed"],
      [{ disabledReason: null }, 400, "validation_failed"],
      [{ active: null }, 400, "validation_failed"],
      [[{ active: false }], 400, "validation_failed"],
      ["{oops", 400, "invalid_json"],
    ];
    for (const [body, status, code] of cases) {
      const label = JSON.stringify(body);
      const response = await asAdmin("PATCH", `/api/webhooks/${webhook.id}`, body);
      expect(response.status, label).toBe(status);
      expect(response.body.error.code, label).toBe(code);
    }
    const empty = await asAdmin("PATCH", `/api/webhooks/${webhook.id}`, {});
    expect(empty.body.error.details[0].message).toBe("Send at least one of url, description, events, active.");
    expect((await webhookRows()).filter((hook) => hook.id === webhook.id)).toEqual([before]);
  });

  it("answers malformed ids with the same 404 as a missing webhook, on every endpoint", async () => {
    const webhook = await newWebhook();
    const { deliveryId } = (await asAdmin("POST", `/api/webhooks/${webhook.id}/test`)).body;
    for (const id of ["abc", "0", `0${webhook.id}`, "-1", "1e3", "0x1", `${webhook.id}.0`, "99999999999999999999", "999999999"]) {
      for (const [method, path, body] of operations(id, deliveryId).filter(([, path]) => path !== "/api/webhooks")) {
        const response = await asAdmin(method, path, body);
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.headers.get("content-type"), `${method} ${path}`).toContain("application/json");
        expect(response.body.error.code, `${method} ${path}`).toBe("not_found");
      }
    }
    expect(await deliveryRows(webhook.id)).toHaveLength(1);
    expect((await asAdmin("GET", `/api/webhooks/${webhook.id}`)).body).toMatchObject({ url: webhook.url });
  });

  it("takes JSON bodies only, at most 1 MB", async () => {
    const webhook = await newWebhook();
    const host = `${acme.slug}.localhost`;
    for (const [method, path] of [
      ["POST", "/api/webhooks"],
      ["PATCH", `/api/webhooks/${webhook.id}`],
    ] as const) {
      const body = JSON.stringify({ url: "https://hooks.example.com/form", events: ["ticket.created"] });
      const form = await server.request(host, path, { method, headers: { authorization: `Bearer ${adminToken}`, "content-type": "text/plain" }, body });
      expect(form.status, `${method} ${path}`).toBe(415);
      const huge = await server.request(host, path, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", "content-length": String(5 * 1024 * 1024), connection: "close" },
        body: "{}",
      });
      expect(huge.status, `${method} ${path}`).toBe(413);
    }
    expect((await webhookRows()).map((hook) => hook.url)).toEqual([webhook.url]);
  });

  it("answers methods an endpoint does not serve with 405 and Allow", async () => {
    const webhook = await newWebhook();
    for (const [method, path, allow] of [
      ["PUT", `/api/webhooks/${webhook.id}`, "GET, PATCH, DELETE, HEAD, OPTIONS"],
      ["DELETE", "/api/webhooks", "GET, POST, HEAD, OPTIONS"],
      ["GET", `/api/webhooks/${webhook.id}/secret`, "POST, OPTIONS"],
      ["GET", `/api/webhooks/${webhook.id}/test`, "POST, OPTIONS"],
      ["POST", `/api/webhooks/${webhook.id}/deliveries`, "GET, HEAD, OPTIONS"],
      ["GET", `/api/webhooks/${webhook.id}/deliveries/1/redeliver`, "POST, OPTIONS"],
    ] as const) {
      const response = await asAdmin(method, path, method === "GET" || method === "DELETE" ? undefined : {});
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("allow"), `${method} ${path}`).toBe(allow);
      expect(response.body.error.code).toBe("method_not_allowed");
    }
    expect((await webhookRows()).map((hook) => hook.id)).toContain(webhook.id);
  });

  it("holds a workspace to 20 webhooks (409)", async () => {
    for (let i = 0; i < 20; i += 1) await newWebhook();
    const refused = await asAdmin("POST", "/api/webhooks", { url: "https://hooks.example.com/one-too-many", events: ["ticket.created"] });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining("at most 20 webhooks") });
    expect(await webhookRows()).toHaveLength(20);
    expect(webhookListSchema.parse((await asAdmin("GET", "/api/webhooks")).body).data).toHaveLength(20);
  });
});
