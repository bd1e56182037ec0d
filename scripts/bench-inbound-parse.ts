// Inbound parsing benchmark: `npm run bench:inbound -- --help`. Results go to stdout, progress to stderr.
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Command, InvalidArgumentError, Option } from "commander";
import { inArray } from "drizzle-orm";
import { tenantMigrations } from "../db/control-schema";
import { processInboundEmail, type InboundOutcome } from "../app/inbound/process-inbound-email.server";
import type { TenantHandle } from "../tenancy/connection-router";
import { createPlatform } from "../tenancy/platform";
import { createTenant, dropTenant } from "../tenancy/provisioning";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { buildInboundMessage, INBOUND_MAIL_SHAPES, SHAPE_DESCRIPTIONS, type InboundMailShape } from "./bench/inbound-mail-shapes";
import { openBenchDatabase } from "./bench/bench-database";
import { Cleanup, cleanUpOnSignals, log, messageOf, percentile } from "./bench/support";

/** INBOUND_MAX_BYTES' default: the largest message the receivers accept. */
const DEFAULT_SIZE_BYTES = 25 * 1024 * 1024;
const TARGET_MAX_BLOCK_MS = 200;
const PROBE_INTERVAL_MS = 5;

type Options = { sizeMb: number; runs: number; shapes: InboundMailShape[] };
type Run = { wallMs: number; maxBlockMs: number; maxLatenessMs: number; p99DelayMs: number; outcome: InboundOutcome["status"] };

const HELP_DETAILS = `
What it measures:
  For each shape, a message of --size-mb (raw, as received) is stored in a
  fresh workspace and processed by processInboundEmail, the function the
  process_inbound_email job runs (parsing, sanitising, quote folding,
  attachments, the ticket and its message written). Meanwhile a ${PROBE_INTERVAL_MS} ms timer
  watches the event loop:
    worst block     the longest time the loop was busy between two ticks
                    (performance.eventLoopUtilization: time running code, not
                    time the thread waited for a core on a loaded machine);
    worst lateness  the longest a tick came late (wall clock: includes waiting
                    for a core, so it is noisy when the machine is busy);
    p99 delay       perf_hooks.monitorEventLoopDelay.
  Target: worst block <= ${TARGET_MAX_BLOCK_MS} ms (a web server in WORKER_MODE=inline
  answers nobody while the loop is blocked).

Shapes:
${INBOUND_MAIL_SHAPES.map((shape) => `  ${shape.padEnd(12)}${SHAPE_DESCRIPTIONS[shape]}`).join("\n")}

Database: a throw-away embedded PostgreSQL in a temp dir, removed at the end.
With DATABASE_URL in the environment (.env is not read) it uses that server
instead and drops the workspace it created.

Results go to stdout, progress to stderr. Exits non-zero only on an error;
a missed target is reported as MISS.`;

function parseOptions(): Options {
  const positiveInt = (max: number) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };
  const shapes = (value: string) => {
    const list = value.split(",").map((shape) => shape.trim());
    const unknown = list.filter((shape) => !(INBOUND_MAIL_SHAPES as readonly string[]).includes(shape));
    if (unknown.length > 0 || list.length === 0)
      throw new InvalidArgumentError(`unknown shape ${unknown.join(", ")}; choose from ${INBOUND_MAIL_SHAPES.join(", ")}`);
    return list as InboundMailShape[];
  };
  return new Command("bench-inbound-parse")
    .description("Measure how long processing a large inbound email blocks the event loop.")
    .addOption(new Option("--size-mb <n>", "raw size of each message in MiB").default(DEFAULT_SIZE_BYTES / 1024 / 1024).argParser(positiveInt(100)))
    .addOption(new Option("--runs <n>", "messages processed per shape").default(3).argParser(positiveInt(50)))
    .addOption(new Option("--shapes <list>", "comma-separated shapes").default([...INBOUND_MAIL_SHAPES]).argParser(shapes))
    .addHelpText("after", HELP_DETAILS)
    .parse()
    .opts<Options>();
}

/** Stores the raw message as the receivers do (without queueing a job: the bench runs it). */
async function storeRow(handle: TenantHandle, raw: Buffer): Promise<number> {
  const [row] = await handle.db
    .insert(handle.t.inboundEmails)
    .values({
      dedupeKey: `bench-${randomBytes(8).toString("hex")}`,
      raw,
      sizeBytes: raw.length,
      receivedVia: "smtp",
      envelopeFrom: "big@sender.test",
      envelopeTo: [],
    })
    .returning({ id: handle.t.inboundEmails.id });
  return row!.id;
}

async function measure(handle: TenantHandle, origin: string, inboundEmailId: number): Promise<Run> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let maxBlockMs = 0;
  let maxLatenessMs = 0;
  let last = performance.now();
  let lastUtilization = performance.eventLoopUtilization();
  const probe = setInterval(() => {
    const now = performance.now();
    const utilization = performance.eventLoopUtilization();
    maxBlockMs = Math.max(maxBlockMs, performance.eventLoopUtilization(utilization, lastUtilization).active);
    maxLatenessMs = Math.max(maxLatenessMs, now - last - PROBE_INTERVAL_MS);
    last = now;
    lastUtilization = utilization;
  }, PROBE_INTERVAL_MS);
  histogram.enable();
  const started = performance.now();
  try {
    const outcome = await processInboundEmail(handle, { sessionSecret: "bench-session-secret-that-is-long-enough", origin }, inboundEmailId);
    const wallMs = performance.now() - started;
    // One more tick, so a block at the very end is seen by the probe too.
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS * 2));
    return { wallMs, maxBlockMs, maxLatenessMs: Math.max(0, maxLatenessMs), p99DelayMs: histogram.percentile(99) / 1e6, outcome: outcome.status };
  } finally {
    clearInterval(probe);
    histogram.disable();
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const sizeBytes = options.sizeMb * 1024 * 1024;
  const cleanup = new Cleanup();
  const interrupted = cleanUpOnSignals(cleanup);

  try {
    const { url, external } = await openBenchDatabase(cleanup, "conductor-bench-inbound-");
    const platform = createPlatform([{ id: "main", url }], { tenantCacheTtlMs: 0 });
    cleanup.add(() => platform.close());
    const slug = `bench-inbound-${randomBytes(3).toString("hex")}`;
    const { tenant } = await createTenant(
      platform.control,
      platform.router,
      { slug, name: `Bench ${slug}`, adminEmail: `admin@${slug}.test` },
      { firstAdmin: prepareFirstAdmin },
    );
    if (external) {
      cleanup.add(async () => {
        await dropTenant(platform.control, platform.router, slug);
        await platform.control.db.delete(tenantMigrations).where(inArray(tenantMigrations.tenantId, [tenant.id]));
      });
    }
    const handle = platform.router.forTenant(tenant);
    const origin = `http://${slug}.localhost`;

    const results: Array<{ shape: InboundMailShape; rawBytes: number; runs: Run[] }> = [];
    for (const shape of options.shapes) {
      const runs: Run[] = [];
      let rawBytes = 0;
      for (let i = 0; i < options.runs; i += 1) {
        log(`${shape}: run ${i + 1}/${options.runs}: building a ${options.sizeMb} MiB message`);
        // A new message each run (its own Message-ID), so none is a duplicate of the one before.
        const raw = await buildInboundMessage(shape, sizeBytes);
        rawBytes = raw.length;
        const id = await storeRow(handle, raw);
        const run = await measure(handle, origin, id);
        log(
          `${shape}: run ${i + 1}/${options.runs}: ${run.outcome}, ${run.wallMs.toFixed(0)} ms, worst block ${run.maxBlockMs.toFixed(0)} ms, worst lateness ${run.maxLatenessMs.toFixed(0)} ms`,
        );
        runs.push(run);
      }
      results.push({ shape, rawBytes, runs });
    }

    console.log(
      `\nInbound parsing, ${options.runs} run(s) per shape, messages of ${options.sizeMb} MiB (target: worst event-loop block <= ${TARGET_MAX_BLOCK_MS} ms)`,
    );
    console.log(
      `${"shape".padEnd(12)}${"raw MB".padStart(8)}${"outcome".padStart(11)}${"wall ms (median)".padStart(18)}${"worst block ms".padStart(16)}${"worst lateness ms".padStart(19)}${"p99 delay ms".padStart(14)}  target`,
    );
    let worst = 0;
    for (const { shape, rawBytes, runs } of results) {
      const wall = runs.map((run) => run.wallMs).sort((a, b) => a - b);
      const block = Math.max(...runs.map((run) => run.maxBlockMs));
      const lateness = Math.max(...runs.map((run) => run.maxLatenessMs));
      const p99 = Math.max(...runs.map((run) => run.p99DelayMs));
      worst = Math.max(worst, block);
      console.log(
        `${shape.padEnd(12)}${(rawBytes / 1e6).toFixed(1).padStart(8)}${runs[0]!.outcome.padStart(11)}${percentile(wall, 0.5).toFixed(0).padStart(18)}${block.toFixed(0).padStart(16)}${lateness.toFixed(0).padStart(19)}${p99.toFixed(0).padStart(14)}  ${block <= TARGET_MAX_BLOCK_MS ? "ok" : "MISS"}`,
      );
    }
    console.log(`worst event-loop block over all shapes: ${worst.toFixed(0)} ms`);
  } catch (error) {
    if (interrupted()) return;
    log(`error: ${messageOf(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

await main();
