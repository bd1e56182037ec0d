import { defineConfig } from "@playwright/test";
import { E2E_INBOUND_DOMAIN, E2E_INBOUND_SMTP_PORT, E2E_SMTP_SINK_PORT, MAIL_PORT } from "./e2e/mail-instance";

const PORT = 3311;
const DATA_DIR = process.env.E2E_DATA_DIR ?? ".data/e2e";
const MAIL_DATA_DIR = `${DATA_DIR}-mail`;

export default defineConfig({
  testDir: "e2e",
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? "list" : "list",
  use: {
    baseURL: `http://acme.localhost:${PORT}`,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  webServer: [
    {
      // A fresh embedded database for the run: the demo workspace `acme` is seeded on first start.
      command: `rm -rf ${DATA_DIR} && npx tsx server.ts`,
      url: `http://localhost:${PORT}/readyz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        PORT: String(PORT),
        DATA_DIR,
        EMBEDDED_PG_PORT: String(PORT + 1000),
        SEED_DEMO: "true",
        LOG_LEVEL: "warn",
        APP_DOMAIN: "localhost",
        // Screens poll every 2 s so "appears without a reload" is quick to observe.
        POLL_INTERVAL_SECONDS: "2",
        // e2e/sign-in.spec.ts runs its OpenID Connect provider on loopback, which SSO refuses unless allowed.
        OUTBOUND_ALLOWED_HOSTS: "127.0.0.1",
      },
    },
    {
      // A second instance that really sends and receives mail, for the inbound email flow
      // (e2e/inbound-email.spec.ts runs the customer's mail server, the SMTP sink, itself).
      command: `rm -rf ${MAIL_DATA_DIR} && npx tsx server.ts`,
      url: `http://localhost:${MAIL_PORT}/readyz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        PORT: String(MAIL_PORT),
        DATA_DIR: MAIL_DATA_DIR,
        EMBEDDED_PG_PORT: String(MAIL_PORT + 1000),
        SEED_DEMO: "true",
        LOG_LEVEL: "warn",
        APP_DOMAIN: "localhost",
        POLL_INTERVAL_SECONDS: "2",
        SMTP_URL: `smtp://127.0.0.1:${E2E_SMTP_SINK_PORT}`,
        INBOUND_SMTP_PORT: String(E2E_INBOUND_SMTP_PORT),
        INBOUND_DOMAIN: E2E_INBOUND_DOMAIN,
        WORKER_POLL_INTERVAL_MS: "300",
      },
    },
  ],
});
