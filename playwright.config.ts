import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3311);
const DATA_DIR = process.env.E2E_DATA_DIR ?? ".data/e2e";

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
  webServer: {
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
    },
  },
});
