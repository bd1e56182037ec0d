import { Logger as WorkerLogger, parseCronItems, run, type WorkerEvents } from "graphile-worker";
import type pg from "pg";
import type { Logger } from "pino";
import { createPool } from "../../db/pg-connections";
import type { ShardConfig } from "../../db/database-servers";
import type { OpenedPlatform, Platform } from "../../tenancy/platform";
import type { MailSettings } from "./mail-settings.server";
import { createMailTransport, type MailTransport } from "./mail-transport.server";
import { SEND_EMAIL_TASK } from "./outbox.server";
import { PROCESS_INBOUND_EMAIL_TASK } from "../inbound/inbound-jobs";
import { processInboundEmailTask, type ProcessInboundDeps } from "../inbound/process-inbound-email.server";
import { SLA_ALERT_SCAN_TASK, slaAlertScanTask } from "../service-levels/sla-alert-job.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { sendEmailTask, type SendEmailDeps } from "./send-email-task.server";
import { DELIVER_WEBHOOK_TASK } from "../webhooks/webhook-outbox.server";
import { deliverWebhookTask, type DeliverWebhookDeps } from "../webhooks/deliver-webhook-task.server";
import { superviseRunner, type RunnerBackoff, type SupervisedRunner } from "./supervised-runner.server";

export type EmailWorkerOptions = {
  platform: Pick<Platform, "control" | "router">;
  /** Every shard holds its own job queue (jobs are added in the tenant's transaction), so each gets a runner. */
  shards: ShardConfig[];
  transport: MailTransport;
  fromAddress: string;
  concurrency: number;
  pollIntervalMs: number;
  logger: Logger;
  /**
   * With it, the runners also record SLA warnings and breaches each minute (graphile-worker cron),
   * whose emails link to the workspace's own address.
   */
  slaAlerts?: { originFor: (tenant: TenantRecord) => string };
  /** With it, the same runners also process inbound emails. */
  inbound?: Pick<ProcessInboundDeps, "sessionSecret" | "originFor">;
  /** With it, the runners also deliver outbound webhooks. */
  webhooks?: Pick<DeliverWebhookDeps, "outbound" | "sessionSecret" | "originFor">;
  /** With it, emails that belong to a ticket carry its signed reply address. */
  replyRouting?: SendEmailDeps["replyRouting"];
  /** How soon a runner that stopped after a database failure is started again. */
  runnerBackoff?: RunnerBackoff;
};

export type EmailWorker = {
  /** Takes no new jobs, lets running sends finish, then closes the queue's connections. */
  stop(): Promise<void>;
};

export async function startEmailWorker({
  platform,
  shards,
  transport,
  fromAddress,
  concurrency,
  pollIntervalMs,
  logger,
  inbound,
  replyRouting,
  runnerBackoff,
  slaAlerts,
  webhooks,
}: EmailWorkerOptions): Promise<EmailWorker> {
  const log = logger.child({ component: "email-worker" });
  const task = sendEmailTask({ platform, transport, fromAddress, log, replyRouting });
  const inboundTask = inbound
    ? { [PROCESS_INBOUND_EMAIL_TASK]: processInboundEmailTask({ platform, ...inbound, log: log.child({ component: "inbound-email" }) }) }
    : {};
  const webhookTask = webhooks ? { [DELIVER_WEBHOOK_TASK]: deliverWebhookTask({ platform, ...webhooks, log: log.child({ component: "webhooks" }) }) } : {};
  const runners: SupervisedRunner[] = [];
  const pools: pg.Pool[] = [];
  const closeAll = async () => {
    await Promise.allSettled(runners.map((runner) => runner.stop()));
    await Promise.allSettled(pools.map((pool) => pool.end()));
  };
  try {
    for (const shard of shards) {
      const shardLog = log.child({ shard: shard.id });
      // One connection listens for new jobs; the rest fetch, run and complete them.
      // The queue's own polling stays out of the query log; the tasks' statements go through the platform's pools.
      const pool = createPool(
        `worker:${shard.id}`,
        { connectionString: shard.url, max: concurrency + 2, connectionTimeoutMillis: 5_000 },
        { log: shardLog, timeQueries: false, onLost: (error) => shardLog.warn({ err: error }, "job queue connection lost; a new one is opened when needed") },
      );
      pools.push(pool);
      const slaTask = slaAlerts ? { [SLA_ALERT_SCAN_TASK]: slaAlertScanTask({ platform, originFor: slaAlerts.originFor, log: shardLog }, shard.id) } : {};
      const cron = slaAlerts
        ? [{ task: SLA_ALERT_SCAN_TASK, match: "* * * * *", identifier: SLA_ALERT_SCAN_TASK, options: { backfillPeriod: 0, maxAttempts: 1 } }]
        : [];
      const startRunner = (events: WorkerEvents) =>
        run({
          pgPool: pool,
          events,
          concurrency,
          pollInterval: pollIntervalMs,
          noHandleSignals: true,
          taskList: { [SEND_EMAIL_TASK]: task, ...inboundTask, ...slaTask, ...webhookTask },
          parsedCronItems: parseCronItems(cron),
          // Batched (with no delay), a job's completion is flushed when the worker stops; unbatched, a
          // completion still in flight at stop is lost and the job stays locked for graphile-worker's 4 hours.
          preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
          logger: workerLogger(shardLog),
        });
      runners.push(await superviseRunner(startRunner, { pool, log: shardLog, backoff: runnerBackoff }));
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  log.info(
    { shards: shards.map((shard) => shard.id), via: transport.kind, concurrency },
    transport.kind === "smtp" ? "email worker started" : "email worker started; no SMTP_URL, so emails go to the development mailbox (/dev/mailbox)",
  );
  let stopping: Promise<void> | undefined;
  return {
    stop: () => (stopping ??= closeAll().then(() => transport.close())),
  };
}

/** graphile-worker's messages in our log. Its per-job lines are debug: the task logs each send and each failure with the tenant. */
function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const { job, error } = (meta ?? {}) as { job?: { id?: string }; error?: unknown };
    const fields = { ...scope, ...(job?.id ? { jobId: job.id } : {}), ...(error ? { err: error } : {}) };
    if (/^(Completed|Failed) task/.test(message)) log.debug(fields, message);
    else if (level === "error") log.error(fields, message);
    else if (level === "warning") log.warn(fields, message);
    else if (level === "info") log.info(fields, message);
    else log.debug(fields, message);
  });
}

/** The worker as the settings describe it, over every shard of the opened platform. */
/** The worker as settings describe it: sending always, and processing inbound mail and signing reply addresses when INBOUND_DOMAIN is set. */
export function startEmailWorkerFromSettings(
  mail: MailSettings,
  platform: Pick<OpenedPlatform, "control" | "router" | "servers">,
  logger: Logger,
): Promise<EmailWorker> {
  return startEmailWorker({
    platform,
    shards: platform.servers.shards,
    transport: createMailTransport(mail.smtpUrl),
    fromAddress: mail.fromAddress,
    concurrency: mail.worker.concurrency,
    pollIntervalMs: mail.worker.pollIntervalMs,
    logger,
    inbound: { sessionSecret: mail.replyTokenSecret, originFor: mail.originFor },
    slaAlerts: { originFor: mail.originFor },
    webhooks: { outbound: mail.outbound, sessionSecret: mail.replyTokenSecret, originFor: mail.originFor },
    replyRouting: mail.inboundDomain ? { sessionSecret: mail.replyTokenSecret, inboundDomain: mail.inboundDomain } : undefined,
  });
}
