import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../app/auth/api-tokens.server";
import { DEMO_TENANT } from "../../app/demo/demo-seed.server";
import { embeddedClusterPid } from "../../db/embedded-postgres";
import { freePort } from "../../db/throwaway-postgres";
import { createPlatform } from "../../tenancy/platform";
import { sessionFor } from "../support/auth";
import { ServerProcess } from "../support/server-process";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";
import { TEST_SESSION_SECRET } from "../support/test-server";

/** The test's own connections carry this name, so the kill loop spares them. */
const TEST_APPLICATION = "connection-loss-test";
const KILL_APP_BACKENDS = `
  SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
  WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND application_name <> '${TEST_APPLICATION}'`;

/** Files that may construct pg.Pool/pg.Client themselves: the factory, and a benchmark's seeding pool. */
const ALLOWED_DIRECT_CONNECTIONS = new Set(["db/pg-connections.ts", "scripts/bench-agent.ts"]);

async function sourceFiles(roots: string[]): Promise<Array<{ file: string; text: string }>> {
  const files: string[] = [];
  for (const root of roots) {
    if (root.endsWith(".ts")) files.push(root);
    else for (const entry of await readdir(root, { recursive: true })) if (/\.tsx?$/.test(entry)) files.push(path.join(root, entry));
  }
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, "utf8") })));
}

type Outcome = { kind: string; status: number | null; retryAfter: string | null; body: string; error: string | null };

function request(
  port: number,
  host: string,
  pathname: string,
  { method = "GET", headers = {}, body, timeoutMs = 10_000 }: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Omit<Outcome, "kind">> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, method, headers: { host, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? null,
          retryAfter: (res.headers["retry-after"] as string | undefined) ?? null,
          body: Buffer.concat(chunks).toString("utf8"),
          error: null,
        }),
      );
      res.on("error", (error) => resolve({ status: res.statusCode ?? null, retryAfter: null, body: "", error: `response broken off: ${error.message}` }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no complete answer within ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ status: null, retryAfter: null, body: "", error: error.message }));
    if (body) req.write(body);
    req.end();
  });
}

async function waitFor<T>(read: () => Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(25)) {
    const value = await read();
    if (value) return value;
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A complete answer: success, or 503 with Retry-After and the unavailable page or JSON error. */
function isCleanAnswer(outcome: Outcome, success: number): boolean {
  if (outcome.error !== null) return false;
  if (outcome.status === success) return true;
  if (outcome.status !== 503 || !outcome.retryAfter) return false;
  return outcome.kind.startsWith("api") ? outcome.body.includes('"code":"unavailable"') : /temporarily unavailable/i.test(outcome.body);
}

describe("hole 0: PostgreSQL ending the app's connections", () => {
  const host = `${DEMO_TENANT.slug}.localhost`;
  let dataDir: string;
  let server: ServerProcess;
  let database: pg.Pool;
  let schema: string;
  let bearer: Record<string, string>;
  let cookie: Record<string, string>;
  let ticketNumbers: number[];
  let smtp: SmtpSink;
  let mailTicket: { number: number; customerEmail: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "conductor-connection-loss-"));
    smtp = await startSmtpSink({ delayMs: 1000 });
    const [port, pgPort] = [await freePort(), await freePort()];
    server = await ServerProcess.start({
      PORT: String(port),
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      APP_DOMAIN: "localhost",
      SEED_DEMO: "true",
      LOG_LEVEL: "warn",
      WORKER_MODE: "inline",
      WORKER_POLL_INTERVAL_MS: "250",
      SESSION_SECRET: TEST_SESSION_SECRET,
      SMTP_URL: smtp.url,
      // Room for every request held on a lock at once (the default is 3 connections per tenant sub-pool).
      DB_SUBPOOL_MAX: "6",
    });

    const password = readFileSync(path.join(dataDir, "embedded-password"), "utf8").trim();
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/conductor`;
    database = new pg.Pool({ connectionString: url, max: 3, application_name: TEST_APPLICATION });
    database.on("error", () => {});
    database.on("connect", (client) => client.on("error", () => {}));

    // A token and a session for the demo admin, written with the domain functions (the platform is closed before the kills).
    const platform = createPlatform([{ id: "main", url }]);
    try {
      const tenant = (await platform.directory.lookup(DEMO_TENANT.slug))!;
      schema = tenant.schemaName;
      const handle = platform.router.forTenant(tenant);
      const [admin] = await handle.db.select().from(handle.t.users).where(eq(handle.t.users.email, DEMO_TENANT.admin.email));
      const user = { id: admin!.id, email: admin!.email, name: admin!.name, role: admin!.role };
      const { token } = await createApiToken(handle, user, "connection loss");
      bearer = { authorization: `Bearer ${token}` };
      cookie = { cookie: (await sessionFor(platform, tenant, admin!.id)).cookie };
    } finally {
      await platform.close();
    }
    const { rows } = await database.query<{ number: number; email: string }>(
      `SELECT t.number, c.email FROM ${pg.escapeIdentifier(schema)}.tickets t JOIN ${pg.escapeIdentifier(schema)}.customers c ON c.id = t.customer_id ORDER BY t.number LIMIT 7`,
    );
    // The load writes internal notes on six tickets; the email test replies on the seventh.
    ticketNumbers = rows.slice(0, 6).map((row) => row.number);
    mailTicket = { number: rows[6]!.number, customerEmail: rows[6]!.email };
  }, 120_000);

  const backendsWaitingOnLocks = async () =>
    (
      await database.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name <> $1", [
        TEST_APPLICATION,
      ])
    ).rows[0]!.n;

  afterAll(async () => {
    await database?.end().catch(() => {});
    await server?.stop();
    await smtp?.stop();
    if (dataDir) {
      const orphan = embeddedClusterPid(dataDir);
      if (orphan) process.kill(orphan, "SIGINT");
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("survives backends killed in a loop under load: every answer complete (2xx, or 503 with Retry-After), success within a second after", async () => {
    const traffic: Array<{ kind: string; success: number; send: (i: number) => Promise<Omit<Outcome, "kind">> }> = [
      { kind: "api list", success: 200, send: () => request(server.port, host, "/api/tickets?limit=5", { headers: bearer }) },
      {
        kind: "api note",
        success: 201,
        send: (i) =>
          request(server.port, host, `/api/tickets/${ticketNumbers[i % ticketNumbers.length]}/messages`, {
            method: "POST",
            headers: { ...bearer, "content-type": "application/json" },
            body: JSON.stringify({ body: `note ${i}`, internal: true }),
          }),
      },
      { kind: "page tickets", success: 200, send: () => request(server.port, host, "/tickets", { headers: cookie }) },
      { kind: "page portal", success: 200, send: () => request(server.port, host, "/portal") },
    ];
    const outcomes: Outcome[] = [];
    let running = true;
    const clients = Array.from({ length: 8 }, async (_, client) => {
      for (let i = client; running; i += 8) {
        const { kind, send } = traffic[i % traffic.length]!;
        outcomes.push({ kind, ...(await send(i)) });
      }
    });

    let killed = 0;
    for (const until = Date.now() + 4000; Date.now() < until; await sleep(50)) {
      killed += (await database.query<{ killed: number }>(KILL_APP_BACKENDS)).rows[0]!.killed;
    }
    const killsStopped = Date.now();
    running = false;

    // The next requests, sent while those in flight still finish, succeed within a second of the kills stopping.
    let recoveredAfterMs: number | null = null;
    while (recoveredAfterMs === null && Date.now() - killsStopped < 5000) {
      const sentAfterMs = Date.now() - killsStopped;
      const answers = await Promise.all(traffic.map(({ send, success }, i) => send(i).then((answer) => answer.status === success)));
      if (answers.every(Boolean)) recoveredAfterMs = sentAfterMs;
    }
    await Promise.all(clients);

    expect(server.alive, server.exitDescription).toBe(true);
    expect(killed).toBeGreaterThan(20);
    const unclean = outcomes.filter((outcome) => !isCleanAnswer(outcome, traffic.find((t) => t.kind === outcome.kind)!.success));
    expect(unclean.map(({ kind, status, error, body }) => ({ kind, status, error, body: body.slice(0, 200) }))).toEqual([]);
    expect(outcomes.some((outcome) => outcome.status === 503)).toBe(true);
    expect(recoveredAfterMs).not.toBeNull();
    expect(recoveredAfterMs!).toBeLessThan(1000);
  });

  it("answers pages and API calls whose connection is killed mid-request with 503, Retry-After and the unavailable page or JSON error", async () => {
    const locker = await database.connect();
    try {
      // Hold the tickets table so the requests wait inside their query (the note inside its
      // transaction, on a checked-out connection), then end their backends.
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE ${pg.escapeIdentifier(schema)}.tickets IN ACCESS EXCLUSIVE MODE`);
      const page = request(server.port, host, "/tickets", { headers: cookie });
      // What a client-side navigation fetches (Remix single fetch).
      const pageData = request(server.port, host, "/tickets.data", { headers: cookie });
      const api = request(server.port, host, "/api/tickets?limit=5", { headers: bearer });
      const note = request(server.port, host, `/api/tickets/${ticketNumbers[0]}/messages`, {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: JSON.stringify({ body: "written while the database drops us", internal: true }),
      });
      await waitFor(async () => (await backendsWaitingOnLocks()) >= 4, "the four requests to wait on the lock");
      await database.query(KILL_APP_BACKENDS);
      const [pageAnswer, pageDataAnswer, apiAnswer, noteAnswer] = await Promise.all([page, pageData, api, note]);
      await sleep(100);
      expect(server.alive, server.exitDescription).toBe(true);

      expect(pageAnswer.status).toBe(503);
      expect(pageAnswer.retryAfter).toMatch(/^\d+$/);
      expect(pageAnswer.body).toMatch(/temporarily unavailable/i);
      expect(pageDataAnswer.status).toBe(503);
      expect(pageDataAnswer.retryAfter).toMatch(/^\d+$/);
      expect(apiAnswer.status).toBe(503);
      expect(apiAnswer.retryAfter).toMatch(/^\d+$/);
      expect(JSON.parse(apiAnswer.body)).toMatchObject({ error: { code: "unavailable" } });
      expect(noteAnswer.status).toBe(503);
      expect(noteAnswer.retryAfter).toMatch(/^\d+$/);
      expect(JSON.parse(noteAnswer.body)).toMatchObject({ error: { code: "unavailable" } });
    } finally {
      await locker.query("ROLLBACK").catch(() => {});
      locker.release();
    }
    expect((await request(server.port, host, "/tickets", { headers: cookie })).status).toBe(200);
    expect(server.alive, server.exitDescription).toBe(true);
  });

  it("keeps the email worker going: a runner killed while completing a job is restarted, and the next email is sent", async () => {
    const reply = (body: string) =>
      request(server.port, host, `/api/tickets/${mailTicket.number}/messages`, {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: JSON.stringify({ body }),
      });
    const holder = await database.connect();
    try {
      // The sink holds each message a moment: while the first is being sent, hold its job's row, so
      // graphile-worker's "job completed" (a DELETE) waits on it; then end that connection.
      expect((await reply("First reply, its job's completion is cut off.")).status).toBe(201);
      const jobId = await waitFor(
        async () =>
          (await database.query<{ id: string }>("SELECT id FROM graphile_worker.jobs WHERE task_identifier = 'send_email' AND locked_by IS NOT NULL")).rows[0]
            ?.id,
        "the worker to take the email's job",
      );
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM graphile_worker._private_jobs WHERE id = $1 FOR UPDATE", [jobId]);
      await smtp.waitForDeliveries(mailTicket.customerEmail, 1);
      await waitFor(async () => (await backendsWaitingOnLocks()) >= 1, "the job's completion to wait on the row");
      await database.query(KILL_APP_BACKENDS);
    } finally {
      await holder.query("ROLLBACK").catch(() => {});
      holder.release();
    }

    expect((await reply("Second reply, queued after the worker lost its connection.")).status).toBe(201);
    const deliveries = await smtp.waitForDeliveries(mailTicket.customerEmail, 2, 15_000);
    expect(deliveries.map((delivery) => delivery.mail.text)).toEqual([expect.stringContaining("First reply"), expect.stringContaining("Second reply")]);
    expect(server.alive, server.exitDescription).toBe(true);
  });

  it("opens every PostgreSQL connection of the app through db/pg-connections.ts, which gives each client its error listener", async () => {
    const sources = await sourceFiles(["app", "tenancy", "db", "scripts", "server.ts"]);
    const direct = sources.filter(({ file, text }) => !ALLOWED_DIRECT_CONNECTIONS.has(file) && /\bnew\s+(?:pg\.)?(?:Pool|Client)\s*\(/.test(text));
    expect(sources.length).toBeGreaterThan(50);
    expect(direct.map(({ file }) => file)).toEqual([]);
  });
});
