import { Gauge, type Registry } from "prom-client";
import type pg from "pg";
import type { Logger } from "pino";
import type { Platform } from "../../tenancy/platform";
import { SEND_EMAIL_TASK } from "../email/outbox.server";
import { PROCESS_INBOUND_EMAIL_TASK } from "../inbound/inbound-jobs";
import { SLA_ALERT_SCAN_TASK } from "../service-levels/sla-alert-job.server";
import { DELIVER_WEBHOOK_TASK } from "../webhooks/webhook-outbox.server";

/** The tasks the worker runs: each gets a series on every shard, 0 when idle, so an alert never looks at an absent series. */
const KNOWN_TASKS = [SEND_EMAIL_TASK, PROCESS_INBOUND_EMAIL_TASK, SLA_ALERT_SCAN_TASK, DELIVER_WEBHOOK_TASK];
/** Every outbox row is written with its job in one transaction (outbox.server.ts, webhook-outbox.server.ts). */
const OUTBOX_TASKS = { email: SEND_EMAIL_TASK, webhook: DELIVER_WEBHOOK_TASK } as const;

/** One statement per shard on graphile-worker's own tables; jobs that used up their attempts are counted apart. */
const QUEUE_QUERY = `
  SELECT tasks.identifier AS task,
         count(*) FILTER (WHERE jobs.attempts < jobs.max_attempts)::int AS depth,
         count(*) FILTER (WHERE jobs.attempts >= jobs.max_attempts)::int AS failed,
         coalesce(extract(epoch FROM now() - min(jobs.run_at) FILTER (
           WHERE jobs.attempts < jobs.max_attempts AND jobs.locked_at IS NULL AND jobs.run_at <= now())), 0)::float8 AS oldest_due_seconds
  FROM graphile_worker._private_jobs jobs
  JOIN graphile_worker._private_tasks tasks ON tasks.id = jobs.task_id
  GROUP BY tasks.identifier`;

const GAUGE_NAMES = [
  "conductor_db_pool_connections",
  "conductor_db_pool_idle_connections",
  "conductor_db_pool_waiting_requests",
  "conductor_job_queue_depth",
  "conductor_job_queue_oldest_age_seconds",
  "conductor_job_queue_failed",
  "conductor_outbox_pending",
];

type QueueRow = { task: string; depth: number; failed: number; oldest_due_seconds: number };
type QueueSnapshot = Map<string, QueueRow[]>;

export type DatabaseGaugeOptions = {
  registry: Registry;
  platform: Pick<Platform, "router" | "control">;
  logger: Logger;
  /** How long one reading of the job queues serves scrapes. */
  queueCacheMs?: number;
  /** A reading that takes longer is given up (that shard keeps its previous figures). */
  queueQueryTimeoutMs?: number;
};

/**
 * Pool gauges read the router's counters (no I/O). Queue and outbox gauges share one reading of each
 * shard's job queue, cached for `queueCacheMs`, so scrapes cost at most one statement per shard per
 * period however often and however many scrapers come.
 */
export function registerDatabaseGauges({ registry, platform, logger, queueCacheMs = 5000, queueQueryTimeoutMs = 2000 }: DatabaseGaugeOptions): void {
  // A second platform in the same process (tests) replaces the first one's gauges.
  for (const name of GAUGE_NAMES) registry.removeSingleMetric(name);
  const pools = () => [
    ...platform.router.stats().map((stats) => ({ ...stats, pool: "tenant" })),
    {
      shard: "main",
      pool: "control",
      total: platform.control.pool.totalCount,
      idle: platform.control.pool.idleCount,
      waiting: platform.control.pool.waitingCount,
    },
  ];
  const poolGauge = (name: string, help: string, read: (stats: ReturnType<typeof pools>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["shard", "pool"],
      registers: [registry],
      collect() {
        this.reset();
        for (const stats of pools()) this.set({ shard: stats.shard, pool: stats.pool }, read(stats));
      },
    });
  poolGauge("conductor_db_pool_connections", "Open connections, by shard and pool (the tenant sub-pools of a shard together).", (s) => s.total);
  poolGauge("conductor_db_pool_idle_connections", "Open connections not checked out.", (s) => s.idle);
  poolGauge("conductor_db_pool_waiting_requests", "Callers waiting for a connection because the pool is at its limit.", (s) => s.waiting);

  let cached: { at: number; reading: Promise<QueueSnapshot> } | null = null;
  const previous: QueueSnapshot = new Map();
  const readQueues = (): Promise<QueueSnapshot> => {
    if (cached && Date.now() - cached.at < queueCacheMs) return cached.reading;
    const reading = Promise.all(
      platform.router.shardIds().map(async (shard) => {
        try {
          // Any sub-pool of the shard will do: the statement reads no tenant schema.
          const pool: pg.Pool = platform.router.poolFor({ id: "metrics", shard });
          const { rows } = await pool.query<QueueRow>({ text: QUEUE_QUERY, query_timeout: queueQueryTimeoutMs } as pg.QueryConfig);
          previous.set(shard, rows);
        } catch (error) {
          logger.warn({ err: error, shard }, "metrics: could not read the job queue");
        }
      }),
    ).then(() => new Map(previous));
    cached = { at: Date.now(), reading };
    return reading;
  };

  const queueGauge = (name: string, help: string, read: (row: QueueRow) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["shard", "task"],
      registers: [registry],
      async collect() {
        const snapshot = await readQueues();
        this.reset();
        for (const [shard, rows] of snapshot) {
          for (const task of KNOWN_TASKS) this.set({ shard, task }, 0);
          for (const row of rows) this.set({ shard, task: row.task }, read(row));
        }
      },
    });
  queueGauge("conductor_job_queue_depth", "Jobs waiting, scheduled for a retry or running, by shard and task.", (row) => row.depth);
  queueGauge(
    "conductor_job_queue_oldest_age_seconds",
    "How long the oldest job that is due and not running has waited for a worker (0 when none).",
    (row) => row.oldest_due_seconds,
  );
  queueGauge("conductor_job_queue_failed", "Jobs that used up their attempts and will not run again.", (row) => row.failed);

  new Gauge({
    name: "conductor_outbox_pending",
    help: "Emails and webhook deliveries waiting to go out, by shard: each outbox row is written with its job in one transaction, so this is its live jobs.",
    labelNames: ["shard", "outbox"],
    registers: [registry],
    async collect() {
      const snapshot = await readQueues();
      this.reset();
      for (const [shard, rows] of snapshot)
        for (const [outbox, task] of Object.entries(OUTBOX_TASKS)) this.set({ shard, outbox }, rows.find((row) => row.task === task)?.depth ?? 0);
    },
  });
}
