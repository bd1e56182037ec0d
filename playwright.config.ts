import { defineConfig } from "@playwright/test";
import { E2E_INBOUND_DOMAIN, E2E_INBOUND_SMTP_PORT, E2E_SMTP_SINK_PORT, MAIL_INSTANCE, MAIN_INSTANCE, type E2eInstance } from "./e2e/instances";

/** What both servers share; e2e/fixtures.ts reaches their databases and signs cookies with the same values. */
const serverEnv = (instance: E2eInstance) => ({
  PORT: String(instance.port),
  DATA_DIR: instance.dataDir,
  EMBEDDED_PG_PORT: String(instance.embeddedPgPort),
  SESSION_SECRET: instance.sessionSecret,
  SEED_DEMO: "true",
  LOG_LEVEL: "warn",
  APP_DOMAIN: "localhost",
  // Screens poll every 2 s so "appears without a reload" is quick to observe.
  POLL_INTERVAL_SECONDS: "2",
});

export default defineConfig({
  testDir: "e2e",
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: "list",
  use: {
    baseURL: MAIN_INSTANCE.baseURL,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: [
    {
      // A fresh embedded database for the run: the demo workspace `acme` is seeded on first start.
      command: `rm -rf ${MAIN_INSTANCE.dataDir} && npx tsx server.ts`,
      url: `http://localhost:${MAIN_INSTANCE.port}/readyz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        ...serverEnv(MAIN_INSTANCE),
        // e2e/sign-in.spec.ts runs its OpenID Connect provider on loopback, which SSO refuses unless allowed.
        OUTBOUND_ALLOWED_HOSTS: "127.0.0.1",
      },
    },
    {
      // A second instance that really sends and receives mail, for the inbound email flow
      // (e2e/inbound-email.spec.ts runs the customer's mail server, the SMTP sink, itself).
      command: `rm -rf ${MAIL_INSTANCE.dataDir} && npx tsx server.ts`,
      url: `http://localhost:${MAIL_INSTANCE.port}/readyz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        ...serverEnv(MAIL_INSTANCE),
        SMTP_URL: `smtp://127.0.0.1:${E2E_SMTP_SINK_PORT}`,
        INBOUND_SMTP_PORT: String(E2E_INBOUND_SMTP_PORT),
        INBOUND_DOMAIN: E2E_INBOUND_DOMAIN,
        WORKER_POLL_INTERVAL_MS: "300",
      },
    },
  ],
});
