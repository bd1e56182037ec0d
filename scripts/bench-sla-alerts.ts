// SLA alert job benchmark: `npm run bench:sla-alerts -- --help`. Results go to stdout, progress to stderr.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Command, InvalidArgumentError, Option } from "commander";
import { sql } from "drizzle-orm";
import pLimit from "p-limit";
import { pino } from "pino";
import type { TenantHandle } from "../tenancy/connection-router";
import { createPlatform, type Platform } from "../tenancy/platform";
import { createTenant, dropTenant } from "../tenancy/provisioning";
import type { TenantRecord } from "../tenancy/tenant-record";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { slaAlertScanTask } from "../app/service-levels/sla-alert-job.server";
import { openBenchDatabase } from "./bench/bench-database";
import { Cleanup, cleanUpOnSignals, log, messageOf, progress } from "./bench/support";

const TARGET_SECONDS_PER_RUN = 60;
const SETUP_CONCURRENCY = 4;
/** The policy every bench ticket is under: calendar hours, a first reply within an hour. */
const POLICY = { targets: { normal: { firstReply: 60, resolution: 480 } }, warnBeforeMinutes: 30 };

type Options = { tenants: number; tickets: number; duePercent: number; keep: boolean };

const HELP_DETAILS = `
What it measures: the sla_alert_scan job (app/service-levels/sla-alert-job.server.ts), the task graphile-worker's
cron runs each minute on each shard, over --tenants workspaces holding --tickets open tickets in all.
  run 1 (burst)  --due-percent of the tickets are past their first-reply target: each gets its breach recorded,
                 an activity entry and an email to the admins, in one transaction per ticket;
  run 2 (idle)   nothing is due: the cost of looking (one indexed query per workspace).
Target: each run under ${TARGET_SECONDS_PER_RUN} s (issue 13: 100k open tickets across 200 tenants).

Database: a throw-away embedded PostgreSQL in a temp dir, removed at the end. With DATABASE_URL in the
environment it uses that server instead and drops the tenants it created (unless --keep).
Exits non-zero on an error; a missed target is reported as MISS.`;

function parseOptions(): Options {
  const positiveInt = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
    return n;
  };
  const percent = (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError("must be a number from 0 to 100");
    return n;
  };
  return new Command("bench-sla-alerts")
    .description("Benchmark the SLA alert job over many workspaces and open tickets.")
    .addOption(new Option("--tenants <n>", "workspaces").default(200).argParser(positiveInt))
    .addOption(new Option("--tickets <n>", "open tickets across all workspaces").default(100_000).argParser(positiveInt))
    .addOption(new Option("--due-percent <p>", "share of the tickets already past their target in run 1").default(2).argParser(percent))
    .addOption(new Option("--keep", "with DATABASE_URL: leave the bench workspaces in place").default(false))
    .addHelpText("after", HELP_DETAILS)
    .parse()
    .opts<Options>();
}

async function provisionTenants(platform: Platform, count: number): Promise<TenantRecord[]> {
  const report = progress("provisioning workspaces", count);
  const run = randomBytes(3).toString("hex");
  const limit = pLimit(SETUP_CONCURRENCY);
  const tenants: TenantRecord[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const slug = `sla-${run}-${i}`;
        const { tenant } = await createTenant(
          platform.control,
          platform.router,
          { slug, name: `SLA bench ${i}`, adminEmail: `admin@${slug}.test` },
          { firstAdmin: prepareFirstAdmin },
        );
        tenants.push(tenant);
        report(tenants.length);
      }),
    ),
  );
  return tenants;
}

/**
 * One workspace's tickets with their SLA history written in bulk (as ticket-sla.server.ts would have
 * written it): `due` of them opened two hours ago and still unanswered, the rest opened a minute ago.
 */
async function seedTickets({ db, t }: TenantHandle, tickets: number, due: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [policy] = await tx
      .insert(t.slaPolicies)
      .values({ name: "Standard", position: 1, conditions: {}, ...POLICY })
      .returning({ id: t.slaPolicies.id });
    const [customer] = await tx.insert(t.customers).values({ name: "Bench Customer", email: "customer@bench.test" }).returning({ id: t.customers.id });
    await tx.execute(sql`
      insert into ${t.tickets} (subject, status, priority, channel, customer_id, created_at, updated_at)
      select 'Bench ticket ' || n, 'open', 'normal', 'email', ${customer!.id},
             case when n <= ${due} then now() - interval '2 hours' else now() - interval '1 minute' end,
             now()
      from generate_series(1, ${tickets}) n`);
    const snapshot = JSON.stringify({
      policyId: policy!.id,
      policyName: "Standard",
      targets: POLICY.targets.normal,
      schedule: null,
      pausedStatuses: ["on_hold", "pending"],
      warnBeforeMinutes: POLICY.warnBeforeMinutes,
    });
    await tx.execute(sql`
      insert into ${t.ticketSlaEvents} (ticket_id, type, at, data)
      select id, 'ticket_created', created_at, '{"status":"open"}'::jsonb from ${t.tickets}
      union all
      select id, 'policy_changed', created_at, ${snapshot}::jsonb from ${t.tickets}`);
    await tx.execute(sql`
      insert into ${t.ticketSlas} (ticket_id, policy_id, policy_name, clocks, next_breach_at, next_alert_at)
      select id, ${policy!.id}, 'Standard', '{}'::jsonb, created_at + interval '60 minutes', created_at + interval '30 minutes'
      from ${t.tickets}`);
  });
}

async function main(): Promise<void> {
  const options = parseOptions();
  const cleanup = new Cleanup();
  const interrupted = cleanUpOnSignals(cleanup);
  try {
    const { url, external } = await openBenchDatabase(cleanup, "conductor-bench-sla-");
    const platform = createPlatform([{ id: "main", url }], { tenantCacheTtlMs: 0 });
    cleanup.add(() => platform.close());
    const tenants = await provisionTenants(platform, options.tenants);
    if (external && !options.keep) {
      cleanup.add(async () => {
        const report = progress("dropping bench workspaces", tenants.length);
        let done = 0;
        for (const tenant of tenants) {
          await dropTenant(platform.control, platform.router, tenant.slug);
          report(++done);
        }
      });
    }

    const perTenant = Math.ceil(options.tickets / options.tenants);
    const duePerTenant = Math.round((perTenant * options.duePercent) / 100);
    const report = progress("writing tickets and their SLA history", tenants.length);
    const limit = pLimit(SETUP_CONCURRENCY);
    let seeded = 0;
    await Promise.all(
      tenants.map((tenant) =>
        limit(async () => {
          await seedTickets(platform.router.forTenant(tenant), perTenant, duePerTenant);
          report(++seeded);
        }),
      ),
    );

    const scan = slaAlertScanTask({ platform, originFor: (tenant) => `http://${tenant.slug}.localhost`, log: pino({ level: "warn" }) }, "main");
    const results: Array<{ run: string; seconds: number; alerts: number }> = [];
    for (const run of ["burst", "idle"]) {
      const before = await countAlerts(platform, tenants);
      const started = performance.now();
      await scan();
      const seconds = (performance.now() - started) / 1000;
      results.push({ run, seconds, alerts: (await countAlerts(platform, tenants)) - before });
      log(`run ${run}: ${seconds.toFixed(2)} s`);
    }

    console.log(`SLA alert job over ${tenants.length} workspaces, ${(perTenant * tenants.length).toLocaleString("en")} open tickets`);
    for (const { run, seconds, alerts } of results) {
      const verdict = seconds <= TARGET_SECONDS_PER_RUN ? "PASS" : "MISS";
      console.log(
        `  ${run.padEnd(5)} ${seconds.toFixed(2).padStart(7)} s  ${alerts.toLocaleString("en").padStart(7)} alerts recorded   target <= ${TARGET_SECONDS_PER_RUN} s  ${verdict}`,
      );
    }
  } catch (error) {
    if (!interrupted()) {
      log(`bench-sla-alerts failed: ${messageOf(error)}`);
      log("Check that PostgreSQL can start (or DATABASE_URL is reachable) and that `npm ci` has run.");
      process.exitCode = 1;
    }
  } finally {
    await cleanup.run();
  }
}

async function countAlerts(platform: Platform, tenants: TenantRecord[]): Promise<number> {
  let total = 0;
  for (const tenant of tenants) {
    const { db, t } = platform.router.forTenant(tenant);
    const { rows } = await db.execute<{ count: number }>(sql`select count(*)::int as count from ${t.ticketSlaAlerts}`);
    total += rows[0]!.count;
  }
  return total;
}

await main();
