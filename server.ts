import "dotenv/config";
import { watch } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { broadcastDevReady, type ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { ConfigError, loadConfig } from "./app/config.server";
import { startEmailWorkerFromSettings, type EmailWorker } from "./app/email/email-worker.server";
import { mailSettingsFrom } from "./app/email/mail-settings.server";
import { createExpressApp } from "./app/http/create-express-app.server";
import { inboundSettingsFrom } from "./app/inbound/inbound-routing.server";
import { startSmtpReceiver, type SmtpReceiver } from "./app/inbound/smtp-receiver.server";
import { smtpReceiverLimitsFrom } from "./app/inbound/smtp-receiver-limits.server";
import { createAppServices } from "./app/services.server";
import { DEMO_TENANT } from "./db/demo-seed";
import { provisionDemoWorkspaceOnFirstRun } from "./scripts/demo-workspace";
import { openPlatform } from "./tenancy/platform";
import { migrateAllTenants } from "./tenancy/tenant-migrator";

// CONDUCTOR_BUILD_DIR as in remix.config.js: a side-by-side build (tests, parallel work trees) serves its own server build.
const BUILD_PATH = path.resolve(process.env.CONDUCTOR_BUILD_DIR ?? "build", "index.js");

async function main() {
  const config = loadConfig();
  const logger = pino({
    level: config.LOG_LEVEL,
    ...(config.NODE_ENV !== "production" && process.stdout.isTTY ? { transport: { target: "pino-pretty", options: { ignore: "pid,hostname" } } } : {}),
  });

  logger.info(config.DATABASE_URL ? "connecting to DATABASE_URL" : `starting the embedded PostgreSQL (data in ${path.resolve(config.DATA_DIR)})`);
  const platform = await openPlatform(config, {
    debug: (message) => logger.debug(message),
    error: (error, message) => logger.error({ err: error }, message),
  });

  const migration = await migrateAllTenants(platform.control.db, (tenant) => platform.router.poolFor(tenant), {
    onProgress: ({ done, total, failed }) => {
      if (total > 0 && (done === total || done % 100 === 0)) logger.info(`tenant migrations: ${done}/${total}${failed ? `, ${failed} failed` : ""}`);
    },
  }).catch((error) => {
    logger.warn({ err: error }, "tenant migrations skipped at start-up; run `npm run tenant -- migrate --all`");
    return null;
  });
  for (const failure of migration?.failures ?? []) logger.error(`tenant ${failure.slug} failed to migrate: ${failure.error}`);

  const demo = config.SEED_DEMO ? await provisionDemoWorkspaceOnFirstRun(platform, (message) => logger.info(message)) : null;

  const mail = mailSettingsFrom(config);
  // WORKER_MODE=off when `npm run worker` processes send the email instead.
  const worker: EmailWorker | null = mail.worker.mode === "inline" ? await startEmailWorkerFromSettings(mail, platform, logger) : null;
  if (mail.devMailbox) logger.warn("no SMTP_URL: emails are kept in the development mailbox (/dev/mailbox on every workspace) instead of being sent; anyone who can reach this server can read them there");

  const inbound = inboundSettingsFrom(config);
  const smtpReceiver: SmtpReceiver | null =
    inbound.smtpPort === null ? null : await startSmtpReceiver({ platform, settings: { ...inbound, smtpPort: inbound.smtpPort }, limits: smtpReceiverLimitsFrom(config), logger });
  if (smtpReceiver) logger.info(`inbound SMTP receiver listening on ${inbound.smtpHost}:${smtpReceiver.port}${inbound.domain ? ` for *.${inbound.domain}` : ""}`);

  let build = (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
  const underRemixDev = Boolean(process.env.REMIX_DEV_ORIGIN);
  if (underRemixDev) watchBuild((next) => (build = next));

  const app = createExpressApp({
    platform,
    services: createAppServices(config, platform),
    logger,
    appDomain: config.APP_DOMAIN,
    trustProxy: config.TRUST_PROXY,
    mode: underRemixDev ? "development" : "production",
    build: underRemixDev ? async () => build : build,
  });

  const server = app.listen(config.PORT, config.HOST, () => {
    const port = (server.address() as { port: number }).port;
    const origin = (slug: string) => `http://${slug}.${config.APP_DOMAIN}${port === 80 ? "" : `:${port}`}`;
    logger.info(`Conductor is listening on port ${port}`);
    if (demo) {
      console.log(
        [
          "",
          `  Conductor is ready: ${origin(DEMO_TENANT.slug)}`,
          `  Admin sign-in: ${DEMO_TENANT.admin.email} / ${DEMO_TENANT.admin.password}`,
          `  Agent sign-in: ${DEMO_TENANT.agent.email} / ${DEMO_TENANT.agent.password}`,
          `  Customer portal: ${origin(DEMO_TENANT.slug)}/portal`,
          ...(mail.devMailbox ? [`  Emails (development mailbox): ${origin(DEMO_TENANT.slug)}/dev/mailbox`] : []),
          "",
        ].join("\n"),
      );
    }
    if (underRemixDev) broadcastDevReady(build);
  });

  let stoppingSince = 0;
  const shutdown = (signal: string) => {
    // Ctrl-C reaches us twice (terminal and tsx relay); only a later, deliberate repeat forces the exit.
    if (stoppingSince && Date.now() - stoppingSince > 1000) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    if (stoppingSince) return;
    stoppingSince = Date.now();
    logger.info(`${signal} received: finishing the email being sent, closing connections and stopping the database`);
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // The worker finishes its current job first; it still needs the database for that.
    // The receiver stops taking new connections; a message being stored finishes before the database closes.
    Promise.all([closed, worker?.stop(), smtpReceiver?.stop()]).then(() => {
      platform
        .close()
        .then(() => {
          clearTimeout(force);
          process.exit(0);
        })
        .catch((error) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        });
    });
    server.closeAllConnections();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

/** `npm run dev`: re-import the server build whenever `remix dev` rewrites it. */
function watchBuild(onBuild: (build: ServerBuild) => void) {
  watch(path.dirname(BUILD_PATH), async (_event, file) => {
    if (file !== "version.txt") return;
    const { mtimeMs } = await stat(BUILD_PATH);
    const next = (await import(`${pathToFileURL(BUILD_PATH).href}?t=${mtimeMs}`)) as ServerBuild;
    onBuild(next);
    broadcastDevReady(next);
  });
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error("Conductor failed to start:", error instanceof Error ? error.message : error);
    if (process.env.LOG_LEVEL === "debug" && error instanceof Error) console.error(error.stack);
  }
  process.exit(1);
});
