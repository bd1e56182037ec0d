import path from "node:path";
import type { Logger } from "pino";
import { openPlatform, type OpenedPlatform } from "../../tenancy/platform";
import { migrateAllTenants } from "../../tenancy/tenant-migrator";
import { loadConfig, type AppConfig } from "../config.server";
import { DEMO_TENANT } from "../demo/demo-seed.server";
import { provisionDemoWorkspaceOnFirstRun } from "../demo/demo-workspace.server";
import { startEmailWorkerFromSettings, type EmailWorker } from "../email/email-worker.server";
import { mailSettingsFrom } from "../email/mail-settings.server";
import { inboundSettingsFrom } from "../inbound/inbound-routing.server";
import { startSmtpReceiver, type SmtpReceiver } from "../inbound/smtp-receiver.server";
import { smtpReceiverLimitsFrom } from "../inbound/smtp-receiver-limits.server";
import { observeDatabaseStatements, startMetricsServer, type MetricsServer } from "../metrics/metrics-server.server";
import { createProcessLogger } from "./process-logger.server";

/** The long-lived parts of a server process, started once; `server.ts` puts an Express app in front. */
type ConductorProcess = {
  config: AppConfig;
  logger: Logger;
  platform: OpenedPlatform;
  /** Where `/metrics` listens (METRICS_PORT), or null when metrics are off. */
  metricsPort: number | null;
  /** What to print once the server listens: where to sign in to the demo workspace, when there is one. */
  readyBanner(port: number): string | null;
  /** Stops the email worker, the SMTP receiver (each finishes what it is doing) and the metrics listener, then, once `requestsDone` settles, the database. */
  stop(requestsDone: Promise<unknown>): Promise<void>;
};

/**
 * Opens the databases, migrates the tenants, seeds the demo workspace on a first run and starts the
 * inline email worker and the inbound SMTP receiver, as the configuration (`env`) asks.
 */
export async function startConductor(env: Record<string, string | undefined> = process.env): Promise<ConductorProcess> {
  const config = loadConfig(env);
  const logger = createProcessLogger(config);

  // Before the platform opens its pools: they time their statements for the metrics from the start.
  if (config.METRICS_PORT !== undefined) observeDatabaseStatements();
  logger.info(config.DATABASE_URL ? "connecting to DATABASE_URL" : `starting the embedded PostgreSQL (data in ${path.resolve(config.DATA_DIR)})`);
  const platform = await openPlatform(config, logger);
  const metrics: MetricsServer | null =
    config.METRICS_PORT === undefined
      ? null
      : await startMetricsServer({ settings: { port: config.METRICS_PORT, host: config.METRICS_HOST, token: config.METRICS_TOKEN }, platform, logger });

  const migration = await migrateAllTenants(platform.control.db, (tenant) => platform.router.poolFor(tenant), {
    onProgress: ({ done, total, failed }) => {
      if (total > 0 && (done === total || done % 100 === 0)) logger.info(`tenant migrations: ${done}/${total}${failed ? `, ${failed} failed` : ""}`);
    },
  }).catch((error) => {
    logger.warn({ err: error }, "tenant migrations skipped at start-up; run `npm run tenant -- migrate --all`");
    return null;
  });
  for (const failure of migration?.failures ?? []) logger.error(`tenant ${failure.slug} failed to migrate: ${failure.error}`);

  const demo = config.SEED_DEMO ? await provisionDemoWorkspaceOnFirstRun(platform, (message) => logger.info(message)) : false;

  const mail = mailSettingsFrom(config);
  // WORKER_MODE=off when `npm run worker` processes send the email instead.
  const worker: EmailWorker | null = mail.worker.mode === "inline" ? await startEmailWorkerFromSettings(mail, platform, logger) : null;
  if (mail.devMailbox)
    logger.warn(
      "no SMTP_URL: emails are kept in the development mailbox (/dev/mailbox on every workspace) instead of being sent; anyone who can reach this server can read them there",
    );

  const inbound = inboundSettingsFrom(config);
  const smtpReceiver: SmtpReceiver | null =
    inbound.smtpPort === null
      ? null
      : await startSmtpReceiver({ platform, settings: { ...inbound, smtpPort: inbound.smtpPort }, limits: smtpReceiverLimitsFrom(config), logger });
  if (smtpReceiver)
    logger.info(`inbound SMTP receiver listening on ${inbound.smtpHost}:${smtpReceiver.port}${inbound.domain ? ` for *.${inbound.domain}` : ""}`);

  return {
    config,
    logger,
    platform,
    metricsPort: metrics?.port ?? null,
    readyBanner: (port) => {
      if (!demo) return null;
      const origin = (slug: string) => `http://${slug}.${config.APP_DOMAIN}${port === 80 ? "" : `:${port}`}`;
      return [
        "",
        `  Conductor is ready: ${origin(DEMO_TENANT.slug)}`,
        `  Admin sign-in: ${DEMO_TENANT.admin.email} / ${DEMO_TENANT.admin.password}`,
        `  Agent sign-in: ${DEMO_TENANT.agent.email} / ${DEMO_TENANT.agent.password}`,
        `  Customer portal: ${origin(DEMO_TENANT.slug)}/portal`,
        ...(mail.devMailbox ? [`  Emails (development mailbox): ${origin(DEMO_TENANT.slug)}/dev/mailbox`] : []),
        "",
      ].join("\n");
    },
    // The worker finishes its current job first; it still needs the database for that.
    // The receiver stops taking new connections; a message being stored finishes before the database closes.
    stop: async (requestsDone) => {
      await Promise.all([requestsDone, worker?.stop(), smtpReceiver?.stop(), metrics?.stop()]);
      await platform.close();
    },
  };
}
