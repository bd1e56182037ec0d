import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import pg from "pg";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PoolOptions } from "../tenancy/connection-router";
import { createPlatform, type Platform } from "../tenancy/platform";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform, testDatabaseUrl } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

type LogLine = Record<string, unknown> & { msg?: string; req?: { id?: string } };

const admin = openTestPlatform();
const workspaces: Array<{ tenant: TenantRecord; cookie: string }> = [];
let served: { platform: Platform; server: TestServer; platformLogs: LogLine[] } | undefined;

function sinkInto(lines: LogLine[]) {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
}

/** A web process whose platform and Express app both log at `level`, as LOG_LEVEL sets them in server.ts. */
async function serveAt(level: "debug" | "info", poolOptions: Partial<PoolOptions> = {}) {
  const platformLogs: LogLine[] = [];
  const platform = createPlatform([{ id: "main", url: testDatabaseUrl() }], {
    tenantCacheTtlMs: 0,
    poolOptions,
    logger: pino({ level }, sinkInto(platformLogs)),
  });
  const server = await startTestServer(platform, { env: { LOG_LEVEL: level } });
  served = { platform, server, platformLogs };
  return served;
}

const newRequestId = () => `logging-test-${randomBytes(6).toString("hex")}`;

async function ticketsPage(server: TestServer, { tenant, cookie }: (typeof workspaces)[number], requestId: string) {
  const response = await server.request(`${tenant.slug}.localhost`, "/tickets", { headers: { cookie, "x-request-id": requestId } });
  await response.text();
  expect(response.status).toBe(200);
}

const queryLines = (lines: LogLine[]) => lines.filter((line) => line.msg === "query");

beforeAll(async () => {
  for (const name of ["Logging A", "Logging B"]) {
    const tenant = await createTestTenant(admin, { name });
    const member = await createMember(admin, tenant, { email: `agent@${tenant.slug}.test` });
    workspaces.push({ tenant, cookie: (await sessionFor(admin, tenant, member.id)).cookie });
  }
});

afterEach(async () => {
  await served?.server.close();
  await served?.platform.close();
  served = undefined;
});

afterAll(() => admin.close());

describe("query timing in the log", () => {
  it("at LOG_LEVEL=debug, logs each statement of a page request with its duration, rows, tenant schema and the request's id", async () => {
    const { server, platformLogs } = await serveAt("debug");
    const requestId = newRequestId();
    await ticketsPage(server, workspaces[0]!, requestId);

    const lines = queryLines(server.logs).filter((line) => line.req?.id === requestId);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.level).toBe(20); // pino's debug
      expect(line).toEqual(
        expect.objectContaining({ statement: expect.any(String), durationMs: expect.any(Number), rows: expect.any(Number), pool: expect.any(String) }),
      );
      expect((line.statement as string).length).toBeLessThanOrEqual(120);
    }
    expect(lines.map((line) => line.tenant)).toContain(workspaces[0]!.tenant.schemaName);
    expect(
      lines.some((line) => /^select\b/i.test(line.statement as string) && (line.statement as string).includes(`"${workspaces[0]!.tenant.schemaName}"`)),
    ).toBe(true);
    // A request's statements go through its own logger, none through the platform's.
    expect(queryLines(platformLogs).filter((line) => line.req)).toEqual([]);
  });

  it("names the request that ran a statement even when it waited for a connection another request gave back", async () => {
    // One connection for everyone: most statements wait for it and are handed it by another request's release.
    const { server } = await serveAt("debug", { subPools: 1, subPoolMax: 1 });
    const requests = Array.from({ length: 8 }, (_, i) => ({ workspace: workspaces[i % 2]!, requestId: newRequestId() }));
    await Promise.all(requests.map(({ workspace, requestId }) => ticketsPage(server, workspace, requestId)));

    const schemaOf = new Map(requests.map(({ workspace, requestId }) => [requestId, workspace.tenant.schemaName]));
    const tenantLines = queryLines(server.logs).filter((line) => line.tenant);
    expect(tenantLines.length).toBeGreaterThanOrEqual(requests.length);
    for (const line of tenantLines) expect(line.tenant, `statement logged for request ${line.req?.id}`).toBe(schemaOf.get(line.req?.id ?? ""));
  });

  it("logs statements outside a request (background work) through the platform's logger", async () => {
    const { platform, platformLogs } = await serveAt("debug");
    await platform.control.db.execute(sql`SELECT 1 AS background_check`);
    expect(queryLines(platformLogs)).toContainEqual(expect.objectContaining({ pool: "control", statement: "SELECT 1 AS background_check", rows: 1 }));
  });

  it("at LOG_LEVEL=info, logs no statements and leaves pg's query untouched", async () => {
    const { platform, server, platformLogs } = await serveAt("info");
    await ticketsPage(server, workspaces[0]!, newRequestId());
    expect(queryLines(server.logs)).toEqual([]);
    expect(queryLines(platformLogs)).toEqual([]);
    expect(server.logs.some((line) => line.msg === "GET /tickets 200")).toBe(true);
    for (const pool of [platform.router.poolFor(workspaces[0]!.tenant), platform.control.pool]) {
      const client = await pool.connect();
      try {
        expect(client.query).toBe(pg.Client.prototype.query);
      } finally {
        client.release();
      }
    }
  });
});

/** Files that may write to the console, with the reason. Everything else logs through pino. */
const CONSOLE_ALLOWED = new Map<string, string>();

async function sourceFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.filter((entry) => /\.(ts|tsx|js|mjs)$/.test(entry)).map((entry) => path.join(root, entry));
}

describe("logging goes through pino", () => {
  it("has no console.* in app/, tenancy/ or db/ outside the allow-list", async () => {
    const files = (await Promise.all(["app", "tenancy", "db"].map(sourceFiles))).flat();
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      if (CONSOLE_ALLOWED.has(file)) continue;
      const lines = (await readFile(file, "utf8")).split("\n");
      lines.forEach((line, index) => {
        if (/\bconsole\s*\.\s*\w+/.test(line)) offenders.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
