import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../app/auth/api-tokens.server";
import { createPlatform, type Platform } from "../../tenancy/platform";
import { dropTenant, setTenantStatus } from "../../tenancy/provisioning";
import { quoteSchema } from "../../db/schema-name";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { createMember, sessionFor } from "../support/auth";
import { createTestTenant, openTestPlatform, testDatabaseUrl, uniqueSlug } from "../support/test-platform";
import { startTestServer, type TestServer } from "../support/test-server";

/** Far beyond the test's run time: anything that takes effect did so without waiting for the TTL. */
const TEN_MINUTES = 10 * 60_000;
const run = promisify(execFile);
const admin = openTestPlatform();

type WebProcess = { platform: Platform; server: TestServer; connectionErrors: string[] };

/** One web process's worth of database objects and Express app, caching tenants for ten minutes. */
async function startWebProcess({ listen = true } = {}): Promise<WebProcess> {
  const connectionErrors: string[] = [];
  const platform = createPlatform([{ id: "main", url: testDatabaseUrl() }], {
    tenantCacheTtlMs: TEN_MINUTES,
    listenForTenantChanges: listen,
    onPoolError: (error, source) => connectionErrors.push(`${source}: ${error.message}`),
  });
  await platform.tenantChanges?.whenListening();
  return { platform, server: await startTestServer(platform), connectionErrors };
}

async function stopWebProcess(web: WebProcess | undefined) {
  await web?.server.close();
  await web?.platform.close();
}

/** The operator's command, as an operator runs it, in its own process. */
async function tenantCli(...args: string[]) {
  const { stdout } = await run(path.resolve("node_modules/.bin/tsx"), ["scripts/tenant.ts", ...args], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl(), SHARD_URLS: "" },
  });
  return stdout;
}

async function pageOf(web: WebProcess, tenant: TenantRecord) {
  const response = await web.server.request(`${tenant.slug}.localhost`, "/login");
  return { status: response.status, html: await response.text() };
}

/** Polls until every process answers as expected; the deadline is seconds, the TTL ten minutes. */
async function untilEvery(webs: WebProcess[], tenant: TenantRecord, expected: { status: number; text: string }, deadlineMs = 3000) {
  const started = Date.now();
  let last: Array<{ status: number; html: string }> = [];
  while (Date.now() - started < deadlineMs) {
    last = await Promise.all(webs.map((web) => pageOf(web, tenant)));
    if (last.every((page) => page.status === expected.status && page.html.includes(expected.text))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(last.map((page) => page.status)).toEqual(webs.map(() => expected.status));
}

const SERVED = { status: 200, text: "Sign in" };
const SUSPENDED = { status: 423, text: "This workspace is suspended" };
const NOT_FOUND = { status: 404, text: "Workspace not found" };

afterAll(() => admin.close());

describe("suspending, resuming and dropping a workspace reaches every process at once", () => {
  let webs: WebProcess[] = [];

  beforeAll(async () => {
    webs = await Promise.all([startWebProcess(), startWebProcess()]);
  });

  afterAll(async () => {
    await Promise.all(webs.map(stopWebProcess));
  });

  it("takes effect in both processes long before the tenant cache's TTL", async () => {
    const tenant = await createTestTenant(admin, { name: "Propagation Co" });
    await untilEvery(webs, tenant, SERVED); // both caches now hold the active record for ten minutes

    expect(await tenantCli("suspend", tenant.slug)).toContain(`Suspended ${tenant.slug}`);
    await untilEvery(webs, tenant, SUSPENDED);

    await setTenantStatus(admin.control, tenant.slug, "active");
    await untilEvery(webs, tenant, SERVED);

    await dropTenant(admin.control, admin.router, tenant.slug);
    await untilEvery(webs, tenant, NOT_FOUND);
  }, 30_000);

  it("serves a workspace created after its address was asked for at once", async () => {
    const early = { slug: uniqueSlug("early") } as TenantRecord;
    await untilEvery(webs, early, NOT_FOUND); // both caches now hold "no such workspace" for ten minutes
    const tenant = await createTestTenant(admin, { slug: early.slug, name: "Early Co" });
    await untilEvery(webs, tenant, SERVED);
    await dropTenant(admin.control, admin.router, tenant.slug);
  });

  it("recovers when PostgreSQL ends the listening connection, and later changes still propagate", async () => {
    const tenant = await createTestTenant(admin, { name: "Reconnect Co" });
    await untilEvery(webs, tenant, SERVED);

    const killed = webs.map((web) => web.platform.tenantChanges?.backendPid ?? null);
    expect(killed.every((pid) => typeof pid === "number")).toBe(true);
    await admin.control.pool.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [killed]);

    const deadline = Date.now() + 5000;
    while (webs.some((web, i) => [null, killed[i]].includes(web.platform.tenantChanges?.backendPid ?? null)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(webs.map((web, i) => web.platform.tenantChanges?.backendPid !== killed[i])).toEqual([true, true]);
    for (const web of webs) expect(web.connectionErrors.join("\n")).toContain("tenant-changes: terminating connection due to administrator command");

    // The reconnect emptied the caches; fill them again, so only the notification can evict them.
    await untilEvery(webs, tenant, SERVED);
    await setTenantStatus(admin.control, tenant.slug, "suspended");
    await untilEvery(webs, tenant, SUSPENDED);
    await dropTenant(admin.control, admin.router, tenant.slug);
    await untilEvery(webs, tenant, NOT_FOUND);
  }, 30_000);
});

describe("a request routed to a workspace whose schema is gone", () => {
  // A process that has not heard of the drop: its listener is down, so its cached record is stale.
  let stale: WebProcess;
  let tenant: TenantRecord;
  let token: string;
  let session: { cookie: string };

  beforeAll(async () => {
    stale = await startWebProcess({ listen: false });
    tenant = await createTestTenant(admin, { name: "Gone Co" });
    const member = await createMember(admin, tenant, { email: "agent@gone.test" });
    token = (await createApiToken(admin.router.forTenant(tenant), member, "tests")).token;
    session = await sessionFor(admin, tenant, member.id);
  });

  afterAll(() => stopWebProcess(stale));

  const host = () => `${tenant.slug}.localhost`;
  const apiGet = (pathname: string) => stale.server.request(host(), pathname, { headers: { authorization: `Bearer ${token}` } });

  it("answers 404, never a 500, on pages and the API when the workspace was dropped under a cached record", async () => {
    expect((await stale.server.request(host(), "/tickets", { headers: { cookie: session.cookie } })).status).toBe(200);
    expect((await apiGet("/api/customers")).status).toBe(200);

    await dropTenant(admin.control, admin.router, tenant.slug);

    const anonymousPage = await stale.server.request(host(), "/login");
    expect(anonymousPage.status).toBe(404);
    const signedInPage = await stale.server.request(host(), "/tickets", { headers: { cookie: session.cookie } });
    expect(signedInPage.status).toBe(404);
    expect(await signedInPage.text()).toContain("Workspace not found");
    const api = await apiGet("/api/customers");
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: "workspace_not_found" } });
  });

  it("answers 404 to a request that was waiting on the schema while it was dropped", async () => {
    const inFlight = await createTestTenant(admin, { name: "In Flight Co" });
    const member = await createMember(admin, inFlight, { email: "agent@inflight.test" });
    const inFlightToken = (await createApiToken(admin.router.forTenant(inFlight), member, "tests")).token;
    const request = () => stale.server.request(`${inFlight.slug}.localhost`, "/api/customers", { headers: { authorization: `Bearer ${inFlightToken}` } });
    expect((await request()).status).toBe(200);

    const dropper = new pg.Client({ connectionString: testDatabaseUrl() });
    await dropper.connect();
    try {
      // The request gets past authentication, then its loader waits on the customers table...
      await dropper.query(`BEGIN; LOCK TABLE ${quoteSchema(inFlight.schemaName)}.customers IN ACCESS EXCLUSIVE MODE`);
      const pending = request();
      const deadline = Date.now() + 5000;
      const waiting = async () =>
        (await dropper.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", [`%${inFlight.schemaName}%customers%`]))
          .rowCount! > 0;
      while (!(await waiting()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      // ...while the workspace is dropped, as dropTenant does it.
      await admin.control.pool.query("UPDATE control.tenants SET status = 'deleting' WHERE id = $1", [inFlight.id]);
      await dropper.query(`DROP SCHEMA ${quoteSchema(inFlight.schemaName)} CASCADE; COMMIT`);
      await admin.control.pool.query("DELETE FROM control.tenants WHERE id = $1", [inFlight.id]);

      const response = await pending;
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: "workspace_not_found" } });
    } finally {
      await dropper.end();
    }
  });

  it("answers 503 with Retry-After while the workspace exists but its cached record points at a schema that is gone", async () => {
    const moved = await createTestTenant(admin, { name: "Moved Co" });
    const member = await createMember(admin, moved, { email: "agent@moved.test" });
    const movedToken = (await createApiToken(admin.router.forTenant(moved), member, "tests")).token;
    const api = () => stale.server.request(`${moved.slug}.localhost`, "/api/customers", { headers: { authorization: `Bearer ${movedToken}` } });
    expect((await stale.server.request(`${moved.slug}.localhost`, "/login")).status).toBe(200);
    expect((await api()).status).toBe(200);
    // As a move to another schema would leave it: the registry row points elsewhere, the old schema is gone.
    await admin.control.pool.query(`ALTER SCHEMA ${quoteSchema(moved.schemaName)} RENAME TO ${quoteSchema(`${moved.schemaName}_moved`)}`);
    await admin.control.pool.query("UPDATE control.tenants SET schema_name = $2 WHERE id = $1", [moved.id, `${moved.schemaName}_moved`]);
    try {
      expect((await stale.server.request(`${moved.slug}.localhost`, "/login")).status).toBe(503);
      const response = await api();
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toMatchObject({ error: { code: "unavailable" } });
    } finally {
      await dropTenant(admin.control, admin.router, moved.slug);
    }
  });
});
