// Tenancy benchmark: `npm run bench:tenancy -- --help`. Results go to stdout, progress to stderr.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Command, InvalidArgumentError, Option } from "commander";
import { eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pLimit from "p-limit";
import type pg from "pg";
import { tenantMigrations } from "../db/control-schema";
import { tenantTables } from "../db/tenant-schema";
import { STATUS_CATEGORIES } from "../db/tenant-tables";
import type { ConnectionRouter, TenantDatabase, TenantHandle } from "../tenancy/connection-router";
import { createPlatform, type Platform } from "../tenancy/platform";
import { createTenant, dropTenant } from "../tenancy/provisioning";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { latestTenantVersion, loadTenantMigrations, type TenantMigration } from "../tenancy/tenant-migrations";
import { migrateAllTenants } from "../tenancy/tenant-migrator";
import type { TenantRecord } from "../tenancy/tenant-record";
import { openBenchDatabase } from "./bench/bench-database";
import { Cleanup, cleanUpOnSignals, log, messageOf } from "./bench/support";

const TARGETS = { provisionMedianMs: 40, fanOutSecondsPer1000: 30, routerOverheadPercent: 10 };
const SETUP_CONCURRENCY = 4;
const FAN_OUT_CONCURRENCY = 4;
const ROUTER_TENANTS = 20;
const ROUTER_IN_FLIGHT = 16;
/** Step 3 alternates the variants in slices this long, so load from elsewhere hits all of them alike. */
const ROUTER_SLICE_MS = 500;
const WARM_UP_MS = 1000;
const TICKETS_PER_TENANT = 50;
const CUSTOMERS_PER_TENANT = 10;

type Options = { tenants: number; schemas: number; seconds: number };
type Provisioning = { count: number; medianMs: number; p95Ms: number };
type FanOut = { schemas: number; seconds: number };
type RawQuery = { pool: pg.Pool; query: { sql: string; params: unknown[] } };
type BoundTables = Pick<TenantHandle, "db" | "t">;
type RouterOverhead = {
  rounds: number;
  routerOps: number;
  directOps: number;
  rawOps: number;
  overheadPercent: number;
  drizzlePercent: number;
  /** Quartiles of the per-round router overhead: how noisy the machine was. */
  roundOverheadQuartiles: [number, number, number];
};

const HELP_DETAILS = `
Steps:
  1. Provisioning: createTenant --tenants times, one at a time, without an
     admin password. Target: median <= ${TARGETS.provisionMedianMs} ms.
  2. Migration fan-out: provisions more tenants up to --schemas, then times
     migrateAllTenants (concurrency ${FAN_OUT_CONCURRENCY}) applying one extra migration
     (ADD COLUMN + CREATE INDEX on tickets). Target: <= ${TARGETS.fanOutSecondsPer1000} s per 1,000 schemas.
  3. Router overhead: the same 10-row ticket query, ${ROUTER_IN_FLIGHT} in flight over
     ${ROUTER_TENANTS} tenants, each tenant on the sub-pool the router picks for it, three ways:
       router  router.forTenant(tenant) per operation, then the drizzle query;
       direct  the same drizzle query on a drizzle instance over the same sub-pool,
               with the tenant's tables obtained once up front (no router per operation);
       raw     pool.query with the SQL text drizzle generates, built once.
     After a ${WARM_UP_MS / 1000} s warm-up of each, the variants take turns in ${ROUTER_SLICE_MS} ms slices (router,
     direct, raw, then direct, raw, router, ...) until each has run --seconds in all.
     Target: router overhead (1 - router/direct ops/s) <= ${TARGETS.routerOverheadPercent} %. Drizzle versus
     raw pg (1 - direct/raw) is printed for information.

Database: a throw-away embedded PostgreSQL in a temp dir, removed at the end.
With DATABASE_URL in the environment (.env is not read) it uses that server
instead and drops the tenants it created.

Results go to stdout, progress to stderr. Exits non-zero only on an error;
a missed target is reported as MISS.`;

function parseOptions(): Options {
  const positiveInt = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
    return n;
  };
  return new Command("bench-tenancy")
    .description("Benchmark tenant provisioning, migration fan-out and connection-router overhead.")
    .addOption(new Option("--tenants <n>", "tenants provisioned in step 1").default(200).argParser(positiveInt))
    .addOption(new Option("--schemas <n>", "tenant schemas migrated in step 2 (step 1's tenants plus more)").default(1000).argParser(positiveInt))
    .addOption(new Option("--seconds <n>", "measured seconds per variant in step 3").default(10).argParser(positiveInt))
    .addHelpText("after", HELP_DETAILS)
    .parse()
    .opts<Options>();
}

function progress(label: string, total: number): (done: number) => void {
  const every = Math.max(1, Math.ceil(total / 10));
  return (done) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done}/${total}${done === total ? "\n" : ""}`);
    else if (done === total || (done > 0 && done % every === 0)) log(`${label}: ${done}/${total}`);
  };
}

// --- database ---------------------------------------------------------------------------------

async function dropBenchTenants(platform: Platform, tenants: TenantRecord[]): Promise<void> {
  const report = progress("dropping bench tenants", tenants.length);
  const limit = pLimit(SETUP_CONCURRENCY);
  let done = 0;
  await Promise.all(
    tenants.map((tenant) =>
      limit(async () => {
        await dropTenant(platform.control, platform.router, tenant.slug);
        report(++done);
      }),
    ),
  );
  // dropTenant keeps the migration audit trail; the bench's rows are noise in a shared database.
  await platform.control.db.delete(tenantMigrations).where(
    inArray(
      tenantMigrations.tenantId,
      tenants.map((tenant) => tenant.id),
    ),
  );
}

// --- 1. provisioning --------------------------------------------------------------------------

async function provision(platform: Platform, slug: string): Promise<TenantRecord> {
  // No adminPassword: argon2 hashing would dominate the timing.
  const { tenant } = await createTenant(
    platform.control,
    platform.router,
    { slug, name: `Bench ${slug}`, adminEmail: `admin@${slug}.test` },
    { firstAdmin: prepareFirstAdmin },
  );
  return tenant;
}

async function benchProvisioning(platform: Platform, count: number, nextSlug: () => string, created: TenantRecord[]): Promise<Provisioning> {
  const report = progress("provisioning (timed, sequential)", count);
  const durations: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const tenant = await provision(platform, nextSlug());
    durations.push(performance.now() - started);
    created.push(tenant);
    report(i + 1);
  }
  durations.sort((a, b) => a - b);
  return { count, medianMs: percentile(durations, 0.5), p95Ms: percentile(durations, 0.95) };
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

// --- 2. migration fan-out ---------------------------------------------------------------------

async function provisionUntimed(platform: Platform, count: number, nextSlug: () => string, created: TenantRecord[]): Promise<void> {
  if (count <= 0) return;
  const report = progress("provisioning more schemas for the fan-out", count);
  const limit = pLimit(SETUP_CONCURRENCY);
  let done = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      limit(async () => {
        created.push(await provision(platform, nextSlug()));
        report(++done);
      }),
    ),
  );
}

function withBenchMigration(migrations: TenantMigration[]): TenantMigration[] {
  return [
    ...migrations,
    {
      version: latestTenantVersion(migrations) + 1,
      tag: "bench_add_column",
      statements: ["ALTER TABLE tickets ADD COLUMN bench_note text", "CREATE INDEX tickets_bench_note_idx ON tickets (bench_note)"],
    },
  ];
}

async function benchFanOut(platform: Platform, schemas: number, nextSlug: () => string, created: TenantRecord[]): Promise<FanOut> {
  await provisionUntimed(platform, schemas - created.length, nextSlug, created);
  const slugs = created.slice(0, schemas).map((tenant) => tenant.slug);
  const report = progress("migrating (timed)", slugs.length);
  const started = performance.now();
  const result = await migrateAllTenants(platform.control.db, (tenant) => platform.router.poolFor(tenant), {
    migrations: withBenchMigration(loadTenantMigrations()),
    concurrency: FAN_OUT_CONCURRENCY,
    slugs,
    onProgress: ({ done }) => report(done),
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.failures.length > 0) {
    const sample = result.failures.slice(0, 3).map((failure) => `${failure.slug}: ${failure.error}`);
    throw new Error(`${result.failures.length} of ${result.total} tenant migrations failed, e.g.\n  ${sample.join("\n  ")}`);
  }
  if (result.migrated !== slugs.length) throw new Error(`expected to migrate ${slugs.length} schemas, migrateAllTenants planned ${result.total}`);
  await assertColumnAdded(platform, created.slice(0, schemas));
  return { schemas: result.migrated, seconds };
}

async function assertColumnAdded(platform: Platform, tenants: TenantRecord[]): Promise<void> {
  const { rows } = await platform.control.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'tickets' AND column_name = 'bench_note' AND table_schema = ANY($1)",
    [tenants.map((tenant) => tenant.schemaName)],
  );
  if (rows[0]?.n !== tenants.length)
    throw new Error(`the bench migration reports success but only ${rows[0]?.n} of ${tenants.length} schemas have the new column`);
}

// --- 3. router overhead -----------------------------------------------------------------------

function openTicketsQuery({ db, t }: BoundTables) {
  return db.select({ id: t.tickets.id, subject: t.tickets.subject }).from(t.tickets).where(eq(t.tickets.statusCategory, "open")).limit(10);
}

async function seedTickets({ db, t }: BoundTables): Promise<void> {
  const customers = await db
    .insert(t.customers)
    .values(Array.from({ length: CUSTOMERS_PER_TENANT }, (_, i) => ({ name: `Customer ${i}`, email: `customer-${i}@bench.test` })))
    .returning({ id: t.customers.id });
  await db.insert(t.tickets).values(
    Array.from({ length: TICKETS_PER_TENANT }, (_, i) => ({
      subject: `Bench ticket ${i}`,
      statusCategory: STATUS_CATEGORIES[i % STATUS_CATEGORIES.length]!,
      statusKey: STATUS_CATEGORIES[i % STATUS_CATEGORIES.length]!,
      customerId: customers[i % customers.length]!.id,
    })),
  );
}

/** Runs `op` from `inFlight` loops until `ms` have passed. */
async function runLoad(op: () => Promise<unknown>, inFlight: number, ms: number): Promise<{ ops: number; ms: number }> {
  const started = performance.now();
  const deadline = started + ms;
  let ops = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await op();
        ops += 1;
      }
    }),
  );
  return { ops, ms: performance.now() - started };
}

async function benchRouter(router: ConnectionRouter, created: TenantRecord[], seconds: number): Promise<RouterOverhead> {
  const tenants = created.slice(0, ROUTER_TENANTS);
  log(`seeding ${tenants.length} tenants with ${TICKETS_PER_TENANT} tickets each`);
  await Promise.all(tenants.map((tenant) => seedTickets(router.forTenant(tenant))));
  // Everything the router resolves per operation, resolved once: one drizzle instance per
  // sub-pool the router picks, and the tenant's schema-bound tables.
  const drizzleOver = new Map<pg.Pool, TenantDatabase>();
  const direct: BoundTables[] = tenants.map((tenant) => {
    const pool = router.poolFor(tenant);
    if (!drizzleOver.has(pool)) drizzleOver.set(pool, drizzle(pool));
    return { db: drizzleOver.get(pool)!, t: tenantTables(tenant.schemaName) };
  });
  // The raw baseline gets the SQL text drizzle generates, built once, on the same sub-pool.
  const raw: RawQuery[] = tenants.map((tenant, i) => ({ pool: router.poolFor(tenant), query: openTicketsQuery(direct[i]!).toSQL() }));
  const variants = {
    router: () => openTicketsQuery(router.forTenant(tenants[pickIndex(tenants.length)]!)),
    direct: () => openTicketsQuery(direct[pickIndex(direct.length)]!),
    raw: () => {
      const { pool, query } = raw[pickIndex(raw.length)]!;
      return pool.query(query.sql, query.params);
    },
  };
  await assertSameTickets(router, tenants[0]!, direct[0]!, raw[0]!);

  const names = ["router", "direct", "raw"] as const;
  for (const name of names) await runLoad(variants[name], ROUTER_IN_FLIGHT, WARM_UP_MS);
  const rounds = Math.max(1, Math.round((seconds * 1000) / ROUTER_SLICE_MS));
  const report = progress("router overhead (timed)", rounds);
  const totals = { router: { ops: 0, ms: 0 }, direct: { ops: 0, ms: 0 }, raw: { ops: 0, ms: 0 } };
  const roundOverheads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const rates = { router: 0, direct: 0, raw: 0 };
    // Rotate who goes first, so no variant always follows the same one.
    for (let turn = 0; turn < names.length; turn++) {
      const name = names[(round + turn) % names.length]!;
      const run = await runLoad(variants[name], ROUTER_IN_FLIGHT, ROUTER_SLICE_MS);
      totals[name].ops += run.ops;
      totals[name].ms += run.ms;
      rates[name] = run.ops / (run.ms / 1000);
    }
    roundOverheads.push(percentBelow(rates.router, rates.direct));
    report(round + 1);
  }
  const rate = (name: (typeof names)[number]) => totals[name].ops / (totals[name].ms / 1000);
  const [routerOps, directOps, rawOps] = [rate("router"), rate("direct"), rate("raw")];
  roundOverheads.sort((a, b) => a - b);
  return {
    rounds,
    routerOps,
    directOps,
    rawOps,
    overheadPercent: percentBelow(routerOps, directOps),
    drizzlePercent: percentBelow(directOps, rawOps),
    roundOverheadQuartiles: [percentile(roundOverheads, 0.25), percentile(roundOverheads, 0.5), percentile(roundOverheads, 0.75)],
  };
}

/** How many percent fewer ops/s `ops` achieved than `baseline`. */
function percentBelow(ops: number, baseline: number): number {
  return (1 - ops / baseline) * 100;
}

function pickIndex(length: number): number {
  return Math.floor(Math.random() * length);
}

/** Guards the comparison: on one tenant all three variants must return the same 10 tickets. */
async function assertSameTickets(router: ConnectionRouter, tenant: TenantRecord, direct: BoundTables, { pool, query }: RawQuery): Promise<void> {
  const [viaRouter, viaDirect, viaRaw] = await Promise.all([
    openTicketsQuery(router.forTenant(tenant)),
    openTicketsQuery(direct),
    pool.query<{ id: string }>(query.sql, query.params),
  ]);
  const ids = (rows: Array<{ id: number | string }>) =>
    rows
      .map((row) => String(row.id))
      .sort()
      .join(",");
  if (viaRouter.length !== 10 || ids(viaRouter) !== ids(viaDirect) || ids(viaRouter) !== ids(viaRaw.rows)) {
    throw new Error(`the router, direct and raw queries disagree: ${ids(viaRouter)} vs ${ids(viaDirect)} vs ${ids(viaRaw.rows)}`);
  }
}

// --- report -----------------------------------------------------------------------------------

function printSection(title: string, lines: string[]): void {
  console.log(`\n${title}`);
  for (const line of lines) console.log(`  ${line}`);
}

function printSummary(provisioning: Provisioning, fanOut: FanOut, overhead: RouterOverhead): void {
  const per1000 = (fanOut.seconds * 1000) / fanOut.schemas;
  const rows: Array<[string, string, string, boolean]> = [
    ["provisioning median", `${provisioning.medianMs.toFixed(1)} ms`, `≤ ${TARGETS.provisionMedianMs} ms`, provisioning.medianMs <= TARGETS.provisionMedianMs],
    [
      fanOut.schemas === 1000 ? "migration fan-out, 1,000 schemas" : `migration fan-out per 1,000 schemas (scaled from ${fanOut.schemas})`,
      `${per1000.toFixed(1)} s`,
      `≤ ${TARGETS.fanOutSecondsPer1000} s`,
      per1000 <= TARGETS.fanOutSecondsPer1000,
    ],
    [
      "router overhead (vs direct drizzle)",
      `${overhead.overheadPercent.toFixed(1)} %`,
      `≤ ${TARGETS.routerOverheadPercent} %`,
      overhead.overheadPercent <= TARGETS.routerOverheadPercent,
    ],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log("\nSummary");
  for (const [name, value, target, pass] of rows) {
    console.log(`  ${name.padEnd(width)}  ${value.padStart(9)}  target ${target.padEnd(8)}  ${pass ? "PASS" : "MISS"}`);
  }
  console.log(`  ${"drizzle vs raw pg (information)".padEnd(width)}  ${`${overhead.drizzlePercent.toFixed(1)} %`.padStart(9)}`);
}

// --- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions();
  const cleanup = new Cleanup();
  const interrupted = cleanUpOnSignals(cleanup);

  try {
    const { url, external } = await openBenchDatabase(cleanup, "conductor-bench-");
    const platform = createPlatform([{ id: "main", url }], { tenantCacheTtlMs: 0 });
    cleanup.add(() => platform.close());
    const created: TenantRecord[] = [];
    if (external) cleanup.add(() => dropBenchTenants(platform, created));
    const runId = randomBytes(3).toString("hex");
    let counter = 0;
    const nextSlug = () => `bench-${runId}-${counter++}`;

    const provisioning = await benchProvisioning(platform, options.tenants, nextSlug, created);
    printSection(`Provisioning: ${provisioning.count} tenants, one at a time`, [
      `median ${provisioning.medianMs.toFixed(1)} ms, p95 ${provisioning.p95Ms.toFixed(1)} ms`,
    ]);

    const fanOut = await benchFanOut(platform, options.schemas, nextSlug, created);
    printSection(`Migration fan-out: ${fanOut.schemas} schemas, concurrency ${FAN_OUT_CONCURRENCY}`, [
      `${fanOut.seconds.toFixed(1)} s total, ${((fanOut.seconds * 1000) / fanOut.schemas).toFixed(1)} ms per tenant, ${(fanOut.schemas / fanOut.seconds).toFixed(1)} tenants/s`,
    ]);

    const overhead = await benchRouter(platform.router, created, options.seconds);
    printSection(
      `Router overhead: ${ROUTER_IN_FLIGHT} in flight over ${Math.min(ROUTER_TENANTS, created.length)} tenants, ${options.seconds} s per variant in ${overhead.rounds} alternating rounds`,
      [
        `router ${Math.round(overhead.routerOps)} ops/s, direct drizzle ${Math.round(overhead.directOps)} ops/s, raw pg ${Math.round(overhead.rawOps)} ops/s`,
        `router overhead ${overhead.overheadPercent.toFixed(1)} % (1 - router/direct); per round: median ${overhead.roundOverheadQuartiles[1].toFixed(1)} %, ` +
          `middle half ${overhead.roundOverheadQuartiles[0].toFixed(1)} .. ${overhead.roundOverheadQuartiles[2].toFixed(1)} %`,
        `drizzle vs raw pg ${overhead.drizzlePercent.toFixed(1)} % (1 - direct/raw, information)`,
      ],
    );

    printSummary(provisioning, fanOut, overhead);
  } catch (error) {
    if (interrupted()) return;
    log(`error: ${messageOf(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

await main();
