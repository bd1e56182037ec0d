// Agent screens under load: `npm run bench:agent -- --help`. Results go to stdout, progress to stderr.
import { fork, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pLimit from "p-limit";
import pg from "pg";
import { authSettingsFrom } from "../app/auth/auth-settings.server";
import { sessionCookie } from "../app/auth/session-cookie.server";
import { createSession } from "../app/auth/sessions.server";
import { loadConfig } from "../app/config.server";
import { migrateControlPlane, prepareShardDatabase } from "../db/prepare-database";
import { tenantTables } from "../db/tenant-schema";
import { createPlatform, type Platform } from "../tenancy/platform";
import { createTenant } from "../tenancy/provisioning";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { seedTenant, type SeededTenant, type TenantScale } from "./bench/agent-data";
import { startBenchPostgres } from "./bench/bench-postgres";
import { summarizeProfiles } from "./bench/cpu-profile";
import { fetchOnce, pathFor, runLoad, summarize, type Endpoint, type Kind, type LoadResult, type LoadSample } from "./bench/http-load";
import { explainQueries, type ExplainedQuery } from "./bench/query-plans";
import type { CapturedQuery, ServerCommand, ServerReply } from "./bench/server-messages";
import { Cleanup, log, messageOf, progress, seconds } from "./bench/support";

// The screens under test. The list and ticket routes may still be in the making: a target whose
// route answers 404 stops the bench with a hint to leave it out (--only).
const LIST_PATH = "/tickets?status=open&priority=high";
/** The unsolved tickets, the one breaching next first (overdue first). */
const BREACH_LIST_PATH = "/tickets?sort=next_breach";
const ticketPath = (number: number) => `/tickets/${number}`;
const DASHBOARD_PATH = "/dashboard";
/** Registered only in builds made with CONDUCTOR_BENCH_ROUTES=1 (remix.config.js, app/bench/constant.tsx). */
const CONSTANT_PATH = "/__bench/constant";
/** Rows of the constant route, as many as a page of the ticket list. */
const CONSTANT_ROWS = 50;

const SCREENS = ["list", "breaches", "ticket", "dashboard"] as const;
type Screen = (typeof SCREENS)[number];
type TargetName = Screen | "constant";
const LABELS: Record<TargetName, string> = {
  constant: "constant",
  list: "ticket list",
  breaches: "list by next breach",
  ticket: "ticket page",
  dashboard: "dashboard",
};

const THROUGHPUT_CONNECTIONS = 16;
const LATENCY_CONNECTIONS = 4;
const TARGETS = {
  /** At 16 connections: requests/s as a share of the constant route's, same kind. */
  minRatio: { list: 0.5, breaches: 0.5, ticket: 0.5, dashboard: 0.35 } satisfies Record<Screen, number>,
  /** At 4 connections, data requests: p95 latency. */
  maxP95Ms: { list: 25, breaches: 25, ticket: 25, dashboard: 50 } satisfies Record<Screen, number>,
};
const KINDS: Kind[] = ["data", "document"];
/** Without the list to size it by (--only without list), the constant route has this size. */
const FALLBACK_SIZES = { data: 25_000, document: 60_000 };
/** dashboard-stats.server.ts caches the aggregates this long per process; --plans waits it out to see their queries. */
const DASHBOARD_CACHE_MS = 10_000;
const SETUP_CONCURRENCY = 4;
const BIG_TENANT = { slug: "bench-agent", name: "Bench Agent Co" };
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SERVER_ENTRY = path.join(PROJECT_ROOT, "scripts", "bench", "agent-server.ts");

type Options = {
  tickets: number;
  customers?: number;
  messagesPerTicket: number;
  tenants: number;
  smallTickets: number;
  duration: number;
  rounds: number;
  warmup: number;
  only: Screen[];
  plans: boolean;
  cpuProf?: string;
  buildDir: string;
  skipBuild: boolean;
};

const HELP_DETAILS = `
What it does:
  1. Starts a throw-away embedded PostgreSQL (always; DATABASE_URL is ignored) and, meanwhile,
     builds the app with its bench-only constant route into --build-dir
     (CONDUCTOR_BUILD_DIR=<dir> CONDUCTOR_BENCH_ROUTES=1 remix build).
  2. Provisions --tenants small tenants (--small-tickets tickets each) and one big tenant with
     --tickets tickets over the last 365 days, --messages-per-ticket messages per ticket on
     average, customers, members and activity, generated set-based in SQL; then the search
     documents and counters (indexBulkLoadedTickets) and VACUUM ANALYZE.
  3. Starts the production server (NODE_ENV=production, the Express app over that build) in a
     child process and signs an agent in by writing a session row.
  4. Drives with autocannon, each as a single-fetch data request (GET <path>.data) and as a
     document, for --duration seconds (after --warmup seconds):
       ticket list  ${LIST_PATH}
       list by next breach  ${BREACH_LIST_PATH}
       ticket page  /tickets/<number> (an answered ticket with the average number of messages)
       dashboard    ${DASHBOARD_PATH}
       constant     ${CONSTANT_PATH}: no query, data and document sized like the ticket list's
     at ${THROUGHPUT_CONNECTIONS} connections, then at ${LATENCY_CONNECTIONS}. The targets take turns in --rounds slices, in an
     order that rotates each round, so load from elsewhere on the machine hits them alike.

Targets (PASS/MISS; a miss does not change the exit code):
  ${THROUGHPUT_CONNECTIONS} connections: ticket lists, ticket page >= ${TARGETS.minRatio.list * 100} % of the constant route's
                  requests/s, dashboard >= ${TARGETS.minRatio.dashboard * 100} % (data and document alike)
  ${LATENCY_CONNECTIONS} connections:  data requests p95 <= ${TARGETS.maxP95Ms.list} ms (ticket lists, ticket page), <= ${TARGETS.maxP95Ms.dashboard} ms (dashboard)

The server reads the rest of its settings from the environment as server.ts does (e.g.
DB_SUBPOOLS, DB_SUBPOOL_MAX); the bench sets DATABASE_URL, SESSION_SECRET, APP_DOMAIN=localhost,
SMTP_URL, NODE_ENV=production, SEED_DEMO=false, LOG_LEVEL=warn and a very high
GLOBAL_RATE_LIMIT_PER_MINUTE. Requests go to 127.0.0.1 with Host: ${BIG_TENANT.slug}.localhost.

Results go to stdout, progress to stderr. Exits non-zero on errors: failed setup, a target that
does not answer 200 with a plausible body, or any non-200 response while measuring.`;

function parseOptions(): Options {
  const positiveInt = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
    return n;
  };
  const wholeNumber = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number");
    return n;
  };
  const screens = (value: string) => {
    const names = value
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean);
    const unknown = names.filter((name) => !(SCREENS as readonly string[]).includes(name));
    if (unknown.length || names.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${SCREENS.join(", ")}`);
    return names as Screen[];
  };
  return new Command("bench-agent")
    .description("Benchmark the agent screens (ticket list, ticket page, dashboard) against a constant route, on a large tenant.")
    .addOption(new Option("--tickets <n>", "tickets in the big tenant").default(100_000).argParser(positiveInt))
    .addOption(new Option("--customers <n>", "customers in the big tenant (default: tickets / 5)").argParser(positiveInt))
    .addOption(new Option("--messages-per-ticket <n>", "messages per ticket on average").default(4).argParser(positiveInt))
    .addOption(new Option("--tenants <n>", "small tenants beside the big one").default(200).argParser(wholeNumber))
    .addOption(new Option("--small-tickets <n>", "tickets per small tenant").default(100).argParser(positiveInt))
    .addOption(new Option("--duration <s>", "measured seconds per target, kind and connection count").default(10).argParser(positiveInt))
    .addOption(new Option("--rounds <n>", "slices each measurement is taken in, the targets taking turns").default(5).argParser(positiveInt))
    .addOption(new Option("--warmup <s>", "unmeasured seconds per target before each group of measurements").default(2).argParser(wholeNumber))
    .addOption(
      new Option("--only <screens>", `screens to measure besides the constant route (${SCREENS.join(",")})`)
        .default([...SCREENS], SCREENS.join(","))
        .argParser(screens),
    )
    .addOption(new Option("--plans", "print EXPLAIN (ANALYZE, BUFFERS) of the queries each screen's data request runs"))
    .addOption(new Option("--cpu-prof <dir>", "profile the server during each measurement; write .cpuprofile files there and print where the time went"))
    .addOption(new Option("--build-dir <dir>", "where the bench's Remix build goes").default(".build-bench"))
    .addOption(new Option("--skip-build", "reuse the build in --build-dir (made with CONDUCTOR_BENCH_ROUTES=1)"))
    .addHelpText("after", HELP_DETAILS)
    .parse()
    .opts<Options>();
}

// --- build ------------------------------------------------------------------------------------

function buildApp(buildDir: string, cleanup: Cleanup): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["remix", "build"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_ENV: "production", CONDUCTOR_BUILD_DIR: buildDir, CONDUCTOR_BENCH_ROUTES: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    cleanup.add(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return Promise.resolve();
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0 && existsSync(path.join(buildDir, "index.js"))) resolve();
      else reject(new Error(`remix build failed (${code ?? signal}):\n${output.trim()}`));
    });
  });
}

// --- data -------------------------------------------------------------------------------------

async function startDatabase(cleanup: Cleanup): Promise<string> {
  const serverLog: string[] = [];
  let server;
  try {
    server = await startBenchPostgres((line) => serverLog.push(line));
  } catch (error) {
    log(serverLog.join("\n"));
    throw error;
  }
  cleanup.add(() => server.stop());
  await prepareShardDatabase(server.url);
  await migrateControlPlane(server.url);
  return server.url;
}

async function provisionSmallTenants(platform: Platform, pool: pg.Pool, options: Options): Promise<void> {
  if (options.tenants === 0) return;
  const report = progress(`small tenants (${options.smallTickets} tickets each)`, options.tenants);
  const scale: TenantScale = {
    tickets: options.smallTickets,
    customers: Math.max(5, Math.ceil(options.smallTickets / 4)),
    agents: 3,
    messagesPerTicket: options.messagesPerTicket,
    chunk: options.smallTickets,
  };
  const limit = pLimit(SETUP_CONCURRENCY);
  let done = 0;
  await Promise.all(
    Array.from({ length: options.tenants }, (_, i) =>
      limit(async () => {
        const slug = `bench-small-${String(i + 1).padStart(4, "0")}`;
        const { tenant } = await createTenant(
          platform.control,
          platform.router,
          { slug, name: `Small ${i + 1}`, adminEmail: `admin@${slug}.test` },
          { firstAdmin: prepareFirstAdmin },
        );
        await withClient(pool, (client) => seedTenant(client, tenant, scale));
        report(++done);
      }),
    ),
  );
}

async function provisionBigTenant(platform: Platform, pool: pg.Pool, options: Options): Promise<{ tenant: TenantRecord; seeded: SeededTenant }> {
  const { tenant } = await createTenant(
    platform.control,
    platform.router,
    { slug: BIG_TENANT.slug, name: BIG_TENANT.name, adminEmail: `admin@${BIG_TENANT.slug}.test` },
    { firstAdmin: prepareFirstAdmin },
  );
  const scale: TenantScale = {
    tickets: options.tickets,
    customers: options.customers ?? Math.max(10, Math.round(options.tickets / 5)),
    agents: 8,
    messagesPerTicket: options.messagesPerTicket,
    chunk: 10_000,
  };
  const reporters = new Map<string, (done: number) => void>();
  const seeded = await withClient(pool, (client) =>
    seedTenant(client, tenant, scale, (step, done, total) => {
      if (!reporters.has(step)) reporters.set(step, progress(`big tenant: ${step}`, total));
      reporters.get(step)!(done);
    }),
  );
  return { tenant, seeded };
}

async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

type Workload = {
  tickets: number;
  messages: number;
  customers: number;
  activity: number;
  /** Numbers of the tickets the list shows (open, high priority). */
  listNumbers: Set<number>;
  /** Numbers of the first page of unsolved tickets by next breach. */
  breachNumbers: Set<number>;
  ticket: { number: number; messages: number; customerEmail: string; customerTickets: number };
};

async function describeWorkload(pool: pg.Pool, tenant: TenantRecord, messagesPerTicket: number): Promise<Workload> {
  const db = drizzle(pool);
  const t = tenantTables(tenant.schemaName);
  const counts = await db.execute<{ tickets: number; messages: number; customers: number; activity: number }>(
    sql`select (select count(*) from ${t.tickets})::int as tickets, (select count(*) from ${t.ticketMessages})::int as messages,
               (select count(*) from ${t.customers})::int as customers, (select count(*) from ${t.activityLogs})::int as activity`,
  );
  const list = await db.execute<{ number: number }>(sql`select number from ${t.tickets} where status = 'open' and priority = 'high'`);
  const breaches = await db.execute<{ number: number }>(
    sql`select tk.number from ${t.ticketSlas} s join ${t.tickets} tk on tk.id = s.ticket_id
        where s.next_breach_at is not null and tk.status in ('new', 'open', 'pending', 'on_hold')
        order by s.next_breach_at, tk.id limit 50`,
  );
  // A recently active, answered ticket with the average number of messages, whose customer has a few other tickets.
  const ticket = await db.execute<{ number: number; messages: number; email: string; customer_tickets: number }>(
    sql`select tk.number, m.n as messages, c.email, o.n as customer_tickets
        from ${t.tickets} tk
        join ${t.customers} c on c.id = tk.customer_id
        cross join lateral (select count(*)::int as n from ${t.ticketMessages} where ticket_id = tk.id) m
        cross join lateral (select count(*)::int as n from ${t.tickets} where customer_id = tk.customer_id) o
        where tk.status in ('open', 'pending') and tk.first_response_at is not null and tk.updated_at > now() - interval '30 days'
        order by abs(m.n - ${messagesPerTicket}::int), abs(o.n - 6), tk.updated_at desc
        limit 1`,
  );
  const row = ticket.rows[0];
  if (!row) throw new Error("the generated data has no open or pending answered ticket to open; use more --tickets");
  return {
    ...counts.rows[0]!,
    listNumbers: new Set(list.rows.map((r) => Number(r.number))),
    breachNumbers: new Set(breaches.rows.map((r) => Number(r.number))),
    ticket: { number: Number(row.number), messages: row.messages, customerEmail: row.email, customerTickets: row.customer_tickets },
  };
}

// --- server under test ------------------------------------------------------------------------

type ServerProcess = { port: number; command(command: DistributiveOmit<ServerCommand, "id">): Promise<CapturedQuery[] | undefined> };
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

async function startServer(env: Record<string, string>, cleanup: Cleanup): Promise<ServerProcess> {
  const child = fork(SERVER_ENTRY, [], {
    cwd: PROJECT_ROOT,
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const recent: string[] = [];
  const relay = (chunk: Buffer) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      recent.push(line);
      if (recent.length > 40) recent.shift();
      log(`[server] ${line}`);
    }
  };
  child.stdout!.on("data", relay);
  child.stderr!.on("data", relay);
  cleanup.add(() => stopServer(child));

  const pending = new Map<number, { resolve: (queries?: CapturedQuery[]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${recent.join("\n")}`)), 60_000);
    child.on("message", (message: ServerReply) => {
      if (message.type === "listening") {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === "failed") {
        clearTimeout(timer);
        reject(new Error(`the server failed to start: ${message.message}`));
      } else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === "ok") waiter?.resolve(message.queries);
        else waiter?.reject(new Error(`the server could not do that: ${message.message}`));
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`the server exited (${code ?? signal}):\n${recent.join("\n")}`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });
  return {
    port,
    command: (command) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ ...command, id });
      }),
  };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

// --- targets ----------------------------------------------------------------------------------

type Target = { name: TargetName; path: string; check(body: string): string | null };

function screenTargets(workload: Workload, only: Screen[]): Target[] {
  const numbersIn = (body: string) => new Set((body.match(/(?<!\d)\d{4,9}(?!\d)/g) ?? []).map(Number));
  const all: Record<Screen, Target> = {
    list: {
      name: "list",
      path: LIST_PATH,
      check: (body) => {
        const found = [...numbersIn(body)].filter((n) => workload.listNumbers.has(n)).length;
        const wanted = Math.min(20, workload.listNumbers.size);
        return found >= wanted ? null : `shows ${found} of the open high-priority tickets' numbers, expected at least ${wanted}`;
      },
    },
    breaches: {
      name: "breaches",
      path: BREACH_LIST_PATH,
      check: (body) => {
        const found = [...numbersIn(body)].filter((n) => workload.breachNumbers.has(n)).length;
        const wanted = Math.min(20, workload.breachNumbers.size);
        return found >= wanted ? null : `shows ${found} of the ${workload.breachNumbers.size} tickets breaching next, expected at least ${wanted}`;
      },
    },
    ticket: {
      name: "ticket",
      path: ticketPath(workload.ticket.number),
      check: (body) =>
        numbersIn(body).has(workload.ticket.number) && body.includes(workload.ticket.customerEmail)
          ? null
          : `does not show ticket #${workload.ticket.number} with its customer ${workload.ticket.customerEmail}`,
    },
    dashboard: {
      name: "dashboard",
      path: DASHBOARD_PATH,
      check: (body) => (body.includes("volume") && body.includes("created7d") ? null : "has no dashboard stats (volume, created7d)"),
    },
  };
  return only.map((name) => all[name]);
}

function constantTarget(rows: number, pad: number, markup: number): Target {
  return {
    name: "constant",
    path: `${CONSTANT_PATH}?rows=${rows}&pad=${pad}&markup=${markup}`,
    check: (body) => (body.includes("bench-constant") ? null : "has no bench-constant marker"),
  };
}

/** One request: 200, the right content type, and a body that shows the target's data. Returns the body size. */
async function verify(endpoint: Endpoint, target: Target, kind: Kind): Promise<number> {
  const requestPath = pathFor(target.path, kind);
  const response = await fetchOnce(endpoint, requestPath, kind);
  const where = `GET ${requestPath} (${LABELS[target.name]}, ${kind})`;
  if (response.status === 404) {
    throw new Error(
      target.name === "constant"
        ? `${where} answered 404: the build lacks the bench route; build without --skip-build (CONDUCTOR_BENCH_ROUTES=1)`
        : `${where} answered 404: is the route there yet? Leave the screen out with --only.`,
    );
  }
  if (response.status !== 200)
    throw new Error(
      `${where} answered ${response.status}${response.status === 202 ? " (a single-fetch redirect: signed out?)" : ""}: ${response.body.slice(0, 300)}`,
    );
  const type = kind === "data" ? "text/x-script" : "text/html";
  if (!response.contentType.includes(type)) throw new Error(`${where} answered ${response.contentType}, expected ${type}`);
  const problem = target.check(response.body);
  if (problem) throw new Error(`${where} answered 200 but its body ${problem}: ${response.body.slice(0, 300)}`);
  return response.bytes;
}

type Sizes = Record<Kind, Partial<Record<TargetName, number>>>;

/** Sizes every screen, then pads the constant route to the ticket list's data and document sizes. */
async function prepareTargets(endpoint: Endpoint, screens: Target[]): Promise<{ constant: Target; sizes: Sizes }> {
  const sizes: Sizes = { data: {}, document: {} };
  for (const target of screens) for (const kind of KINDS) sizes[kind][target.name] = await verify(endpoint, target, kind);
  const want = { data: sizes.data.list ?? FALLBACK_SIZES.data, document: sizes.document.list ?? FALLBACK_SIZES.document };
  // Fewer rows when even unpadded rows are larger than the list's data (a short list, at small scale).
  let rows = CONSTANT_ROWS;
  let bare = await verify(endpoint, constantTarget(rows, 0, 0), "data");
  if (bare > want.data) {
    rows = Math.max(1, Math.floor((rows * want.data) / bare));
    bare = await verify(endpoint, constantTarget(rows, 0, 0), "data");
  }
  const pad = Math.max(0, want.data - bare);
  const unmarked = await verify(endpoint, constantTarget(rows, pad, 0), "document");
  const constant = constantTarget(rows, pad, Math.max(0, want.document - unmarked));
  for (const kind of KINDS) sizes[kind].constant = await verify(endpoint, constant, kind);
  return { constant, sizes };
}

// --- measuring --------------------------------------------------------------------------------

type Measurement = LoadResult & {
  target: TargetName;
  kind: Kind;
  connections: number;
  /** Requests/s as a share of the constant route's, over all rounds. */
  ratio: number;
  /** The same, round by round: how much the machine's other load moved it. */
  roundRatios: number[];
  profiles: string[];
};
type Group = { connections: number; kind: Kind; rows: Measurement[] };

/**
 * For each connection count and kind, every target (the constant route first) is measured in
 * --rounds slices that rotate their order (constant, list, ticket, dashboard; then list, ticket,
 * dashboard, constant; …), so load from elsewhere on a shared machine hits all of them alike.
 */
async function measureAll(
  endpoint: Endpoint,
  server: ServerProcess,
  constant: Target,
  screens: Target[],
  options: Options,
  { onDashboard, shouldStop }: { onDashboard: () => void; shouldStop: () => boolean },
): Promise<Group[]> {
  const groups: Group[] = [];
  const targets = [constant, ...screens];
  const sliceSeconds = options.duration / options.rounds;
  for (const connections of [THROUGHPUT_CONNECTIONS, LATENCY_CONNECTIONS]) {
    for (const kind of KINDS) {
      const label = `${kind}, ${connections} connections`;
      if (options.warmup > 0) {
        log(`warming up: ${label}, ${options.warmup} s per target`);
        for (const target of targets) await runLoad(endpoint, pathFor(target.path, kind), kind, connections, options.warmup);
      }
      const samples = new Map<TargetName, LoadSample[]>(targets.map((target) => [target.name, []]));
      const profiles = new Map<TargetName, string[]>(targets.map((target) => [target.name, []]));
      const report = progress(`measuring: ${label}, ${options.rounds} rounds of ${sliceSeconds.toFixed(1)} s per target`, options.rounds);
      for (let round = 0; round < options.rounds; round++) {
        for (let turn = 0; turn < targets.length; turn++) {
          if (shouldStop()) throw new Error("interrupted");
          const target = targets[(round + turn) % targets.length]!;
          if (options.cpuProf) await server.command({ type: "profile-start" });
          const sample = await runLoad(endpoint, pathFor(target.path, kind), kind, connections, sliceSeconds);
          if (options.cpuProf) {
            const file = path.resolve(options.cpuProf, `c${connections}-${kind}-${target.name}-round${round + 1}.cpuprofile`);
            await server.command({ type: "profile-stop", file });
            profiles.get(target.name)!.push(file);
          }
          if (target.name === "dashboard") onDashboard();
          if (sample.bad > 0) log(`  ${LABELS[target.name]}: ${sample.bad} bad responses, status counts ${JSON.stringify(sample.statuses)}`);
          samples.get(target.name)!.push(sample);
        }
        report(round + 1);
      }
      const rate = (sample: LoadSample) => sample.ok / sample.seconds;
      const baseline = summarize(samples.get("constant")!);
      const rows = targets.map((target): Measurement => {
        const own = samples.get(target.name)!;
        const result = summarize(own);
        return {
          ...result,
          target: target.name,
          kind,
          connections,
          ratio: result.rps / baseline.rps,
          roundRatios: own.map((sample, round) => rate(sample) / rate(samples.get("constant")![round]!)),
          profiles: profiles.get(target.name)!,
        };
      });
      groups.push({ connections, kind, rows });
    }
  }
  return groups;
}

// --- report -----------------------------------------------------------------------------------

type Verdict = { label: string; value: string; target: string; pass: boolean };

function verdictFor(row: Measurement): Verdict | null {
  if (row.target === "constant") return null;
  if (row.connections === THROUGHPUT_CONNECTIONS) {
    const min = TARGETS.minRatio[row.target];
    return {
      label: `${LABELS[row.target]}, ${row.kind}, ${row.connections} conns: throughput vs constant`,
      value: `${((row.ratio ?? 0) * 100).toFixed(0)} %`,
      target: `≥ ${min * 100} %`,
      pass: (row.ratio ?? 0) >= min,
    };
  }
  if (row.connections === LATENCY_CONNECTIONS && row.kind === "data") {
    const max = TARGETS.maxP95Ms[row.target];
    return {
      label: `${LABELS[row.target]}, ${row.kind}, ${row.connections} conns: p95 latency`,
      value: `${row.p95.toFixed(1)} ms`,
      target: `≤ ${max} ms`,
      pass: row.p95 <= max,
    };
  }
  return null;
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function printResults(groups: Group[]): Verdict[] {
  const verdicts: Verdict[] = [];
  const rows: string[][] = [];
  for (const group of groups) {
    for (const row of group.rows) {
      const verdict = verdictFor(row);
      if (verdict) verdicts.push(verdict);
      const rounds = row.target === "constant" ? "" : `${Math.min(...row.roundRatios).toFixed(2)}–${Math.max(...row.roundRatios).toFixed(2)}`;
      rows.push([
        LABELS[row.target],
        row.kind,
        String(row.connections),
        row.rps.toFixed(0),
        row.p50.toFixed(1),
        row.p95.toFixed(1),
        row.p99.toFixed(1),
        String(row.bad),
        row.ratio.toFixed(2),
        rounds,
        verdict ? `${verdict.target} ${verdict.pass ? "PASS" : "MISS"}` : "",
      ]);
    }
  }
  console.log("\nResults (latency in ms; non-2xx counts every response but 200, and socket errors; rounds: the ratio's range over the rounds)");
  for (const line of table(
    ["target", "kind", "conns", "req/s", "p50", "p95", "p99", "non-2xx", "vs const", "rounds", "target"],
    rows,
    new Set([2, 3, 4, 5, 6, 7, 8]),
  )) {
    console.log(`  ${line}`);
  }
  return verdicts;
}

function printVerdicts(verdicts: Verdict[]): void {
  console.log("\nTargets");
  const width = Math.max(...verdicts.map((verdict) => verdict.label.length));
  for (const verdict of verdicts)
    console.log(`  ${verdict.label.padEnd(width)}  ${verdict.value.padStart(8)}  target ${verdict.target.padEnd(8)}  ${verdict.pass ? "PASS" : "MISS"}`);
}

async function printProfiles(groups: Group[], buildDir: string): Promise<void> {
  console.log("\nServer CPU profiles (self time as a share of the busy time; files in --cpu-prof)");
  for (const group of groups) {
    for (const row of group.rows) {
      if (row.profiles.length === 0) continue;
      const detailed = row.connections === THROUGHPUT_CONNECTIONS;
      const summary = await summarizeProfiles(row.profiles, buildDir, detailed ? 8 : 5);
      console.log(`\n  ${LABELS[row.target]}, ${row.kind}, ${row.connections} conns: server busy ${summary.busyPercent.toFixed(0)} % of the time`);
      console.log(`    by package: ${summary.categories.map((c) => `${c.name} ${c.percent.toFixed(0)} %`).join(", ")}`);
      if (detailed) for (const fn of summary.functions) console.log(`    ${fn.percent.toFixed(1).padStart(5)} %  ${fn.name}`);
    }
  }
}

async function printPlans(
  endpoint: Endpoint,
  server: ServerProcess,
  pool: pg.Pool,
  screens: Target[],
  waitForDashboardCache: () => Promise<void>,
): Promise<void> {
  console.log("\nQuery plans: every statement one data request of each screen sent, EXPLAIN (ANALYZE, BUFFERS) with its parameters");
  const seen = new Map<string, string>();
  for (const target of screens) {
    if (target.name === "dashboard") await waitForDashboardCache();
    await server.command({ type: "capture-start" });
    await verify(endpoint, target, "data");
    const queries = (await server.command({ type: "capture-stop" })) ?? [];
    const explained: ExplainedQuery[] = await explainQueries(pool, queries);
    console.log(`\n== ${LABELS[target.name]}: GET ${pathFor(target.path, "data")}: ${queries.length} statements sent`);
    for (const [i, query] of explained.entries()) {
      const key = `${query.sql}\u0000${JSON.stringify(query.params)}`;
      const ref = `${LABELS[target.name]} [${i + 1}]`;
      const time = query.executionMs === null ? "" : ` (${query.executionMs.toFixed(2)} ms)`;
      if (seen.has(key)) {
        console.log(`\n-- [${i + 1}]${time} same statement as ${seen.get(key)}`);
        continue;
      }
      seen.set(key, ref);
      console.log(`\n-- [${i + 1}]${time}\n${query.sql}`);
      if (query.params.length) console.log(`-- params: ${JSON.stringify(query.params)}`);
      for (const line of query.plan) console.log(`   ${line}`);
    }
  }
}

// --- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions();
  const buildDir = path.resolve(PROJECT_ROOT, options.buildDir);
  const cleanup = new Cleanup();
  let interruptedAt = 0;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      // One Ctrl-C can arrive twice (the terminal, and a wrapper relaying it); only a later repeat forces the exit.
      if (interruptedAt) {
        if (Date.now() - interruptedAt > 1000) process.exit(130);
        return;
      }
      interruptedAt = Date.now();
      log(`\n${signal}: cleaning up (again to exit at once)`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }

  try {
    const started = performance.now();
    if (options.cpuProf) await mkdir(options.cpuProf, { recursive: true });
    if (options.skipBuild && !existsSync(path.join(buildDir, "index.js"))) throw new Error(`--skip-build: ${path.join(buildDir, "index.js")} does not exist`);
    const building = options.skipBuild ? Promise.resolve() : buildApp(buildDir, cleanup);
    building.catch(() => {}); // awaited below; do not let it go unhandled meanwhile
    if (!options.skipBuild) log(`building the app into ${path.relative(PROJECT_ROOT, buildDir)} in the background`);

    const url = await startDatabase(cleanup);
    log("started a throw-away PostgreSQL");
    const platform = createPlatform([{ id: "main", url }], { tenantCacheTtlMs: 0 });
    cleanup.add(() => platform.close());
    const pool = new pg.Pool({ connectionString: url, max: SETUP_CONCURRENCY + 1 });
    cleanup.add(() => pool.end());

    let phase = performance.now();
    await provisionSmallTenants(platform, pool, options);
    const smallTime = seconds(phase);
    phase = performance.now();
    const { tenant, seeded } = await provisionBigTenant(platform, pool, options);
    const bigTime = seconds(phase);
    phase = performance.now();
    log("VACUUM ANALYZE and CHECKPOINT");
    await pool.query("VACUUM (ANALYZE)");
    await pool.query("CHECKPOINT").catch(() => {});
    const vacuumTime = seconds(phase);
    const workload = await describeWorkload(pool, tenant, options.messagesPerTicket);

    phase = performance.now();
    await building;
    log(`build ready (waited ${seconds(phase)} for it)`);

    const sessionSecret = randomBytes(36).toString("base64url");
    const serverEnv: Record<string, string> = {
      NODE_ENV: "production",
      DATABASE_URL: url,
      SESSION_SECRET: sessionSecret,
      APP_DOMAIN: "localhost",
      SMTP_URL: "smtp://127.0.0.1:2525",
      GLOBAL_RATE_LIMIT_PER_MINUTE: "1000000000",
      SEED_DEMO: "false",
      LOG_LEVEL: "warn",
      CONDUCTOR_BUILD_DIR: buildDir,
      ...(options.plans ? { BENCH_CAPTURE_SQL: "1" } : {}),
    };
    const config = loadConfig({ ...process.env, ...serverEnv });
    const settings = authSettingsFrom(config); // as the server derives them: the same cookie name and secret
    const { token } = await createSession(platform.router.forTenant(tenant), seeded.viewer.id, { authMethod: "password" }, settings);
    const cookie = (await sessionCookie(settings).serialize(token)).split(";")[0]!;

    const server = await startServer(serverEnv, cleanup);
    const endpoint: Endpoint = { port: server.port, host: `${BIG_TENANT.slug}.localhost`, cookie };
    log(`server listening on 127.0.0.1:${server.port}; checking the targets`);
    const screens = screenTargets(workload, options.only);
    const { constant, sizes } = await prepareTargets(endpoint, screens);

    const setupTime = seconds(started);
    const loadBefore = os.loadavg();
    let lastDashboardAt = 0;
    const groups = await measureAll(endpoint, server, constant, screens, options, {
      onDashboard: () => (lastDashboardAt = Date.now()),
      shouldStop: () => interruptedAt > 0,
    });
    const loadAfter = os.loadavg();

    const pgVersion = (await pool.query<{ server_version: string }>("show server_version")).rows[0]!.server_version;
    console.log(`\nConductor agent screens (bench:agent), ${new Date().toISOString()}`);
    console.log(
      `  big tenant: ${workload.tickets.toLocaleString("en")} tickets, ${workload.messages.toLocaleString("en")} messages, ${workload.customers.toLocaleString("en")} customers, ${workload.activity.toLocaleString("en")} activity entries, ${seeded.members.length} members`,
    );
    console.log(`  beside it: ${options.tenants} tenants with ${options.smallTickets} tickets each`);
    console.log(
      `  list: ${LIST_PATH} (${workload.listNumbers.size.toLocaleString("en")} matching tickets); by next breach: ${BREACH_LIST_PATH}; ticket page: #${workload.ticket.number} (${workload.ticket.messages} messages, customer with ${workload.ticket.customerTickets} tickets)`,
    );
    console.log(`  setup: small tenants ${smallTime}, big tenant ${bigTime}, vacuum ${vacuumTime}; ${setupTime} in all before measuring`);
    console.log(
      `  server: one Node ${process.version} process, production build, DB pool ${config.DB_SUBPOOLS} sub-pools × ${config.DB_SUBPOOL_MAX} connections (a tenant uses one sub-pool); PostgreSQL ${pgVersion}`,
    );
    console.log(
      `  machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${loadBefore.map((n) => n.toFixed(2)).join(" ")} before measuring, ${loadAfter.map((n) => n.toFixed(2)).join(" ")} after`,
    );
    console.log(`  autocannon in the bench process; per row ${options.duration} s measured in ${options.rounds} rounds, after ${options.warmup} s warm-up`);
    console.log("  response bodies (bytes):");
    for (const kind of KINDS) {
      console.log(
        `    ${kind.padEnd(8)} ${(["constant", ...screens.map((s) => s.name)] as TargetName[]).map((name) => `${LABELS[name]} ${(sizes[kind][name] ?? 0).toLocaleString("en")}`).join(", ")}`,
      );
    }

    const verdicts = printResults(groups);
    printVerdicts(verdicts);
    if (options.cpuProf) await printProfiles(groups, buildDir);
    if (options.plans) {
      await printPlans(endpoint, server, pool, screens, async () => {
        const wait = lastDashboardAt + DASHBOARD_CACHE_MS + 500 - Date.now();
        if (wait > 0) {
          log(`waiting ${(wait / 1000).toFixed(1)} s for the dashboard's cached aggregates to expire`);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      });
    }
    const bad = groups.flatMap((group) => group.rows).reduce((sum, row) => sum + row.bad, 0);
    if (bad > 0) {
      log(`error: ${bad} requests did not answer 200 while measuring (see the non-2xx column)`);
      process.exitCode = 1;
    }
  } catch (error) {
    if (interruptedAt) return;
    log(`error: ${messageOf(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

await main();
