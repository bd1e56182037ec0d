// `npm run worker`: the email worker as its own process. Run with --help for the settings.
// It runs from the source files (through tsx), not the server build: a process of its own has one copy
// of each module either way (nothing here loads the build), shares no memory with the web servers, and
// so needs no `npm run build` before it starts.
import "dotenv/config";
import { Command, CommanderError } from "commander";
import { ConfigError, loadConfig } from "../app/config.server";
import { startEmailWorkerFromSettings } from "../app/email/email-worker.server";
import { observeDatabaseStatements, startMetricsServer } from "../app/metrics/metrics-server.server";
import { mailSettingsFrom } from "../app/email/mail-settings.server";
import { createProcessLogger } from "../app/server/process-logger.server";
import { openPlatform } from "../tenancy/platform";

const program = new Command("worker")
  .description("Send Conductor's queued email (the outbox) from its own process, for deployments that run more than one web server.")
  .addHelpText(
    "after",
    `
It reads the same settings as the server (environment or .env):
  DATABASE_URL, SHARD_URLS   the job queue lives on every shard; one runner per shard
  SMTP_URL                   smtp://user:pass@host:587 or smtps://…; without it emails only reach the
                             development mailbox (/dev/mailbox), as with npm start
  MAIL_FROM                  sender address (default support@<APP_DOMAIN>); the From name is the workspace's
  WORKER_CONCURRENCY         emails sent at once per shard (default 4)
  WORKER_POLL_INTERVAL_MS    how often to look for retries that came due (default 2000; new email wakes it at once)

Set WORKER_MODE=off on the web servers so only these processes send. Any number of workers may run;
each job is taken by one of them. SIGTERM or Ctrl-C lets the email being sent finish, then exits.`,
  )
  .exitOverride()
  .action(runWorker);

async function runWorker() {
  const config = loadConfig();
  const logger = createProcessLogger(config);
  // As in the web process: statements are timed from the pools' creation, and /metrics has its own port.
  if (config.METRICS_PORT !== undefined) observeDatabaseStatements();
  const platform = await openPlatform(config, logger);
  const metrics =
    config.METRICS_PORT === undefined
      ? null
      : await startMetricsServer({ settings: { port: config.METRICS_PORT, host: config.METRICS_HOST, token: config.METRICS_TOKEN }, platform, logger });
  const worker = await startEmailWorkerFromSettings(mailSettingsFrom(config), platform, logger);

  let stoppingSince = 0;
  const shutdown = (signal: string) => {
    // As in server.ts: Ctrl-C may arrive twice at once; only a later repeat forces the exit.
    if (stoppingSince && Date.now() - stoppingSince > 1000) process.exit(1);
    if (stoppingSince) return;
    stoppingSince = Date.now();
    logger.info(`${signal} received: finishing the email being sent, then stopping`);
    Promise.all([worker.stop(), metrics?.stop()])
      .then(() => platform.close())
      .then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

program.parseAsync().catch((error) => {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(error instanceof ConfigError ? error.message : `The worker failed to start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
