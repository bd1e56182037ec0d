// Screenshots of every screen in Chromium, for reviewing the UI: `npx tsx scripts/screenshots.ts [baseUrl]`.
// Needs a running Conductor with the demo workspace (npm start) and Debian's chromium. Run it with the
// server's settings (same .env, DATA_DIR or DATABASE_URL): it signs in by writing session rows in the
// demo workspace, as the browser tests do, and takes the screens from the same list (e2e/screens.ts).
// It leaves a fresh invite and a portal sign-in email in the demo workspace (screens that need them).
import "dotenv/config";
import { mkdir } from "node:fs/promises";
import { chromium } from "@playwright/test";
import { pino } from "pino";
import { authSettingsFrom } from "../app/auth/auth-settings.server";
import { loadConfig } from "../app/config.server";
import { openDemoWorkspace } from "../e2e/demo-sessions";
import { listScreens, prepareScreenData } from "../e2e/screens";
import { openPlatform } from "../tenancy/platform";

if (process.argv.includes("--help")) {
  console.log(
    "Usage: npx tsx scripts/screenshots.ts [http://acme.localhost:3000]\nSaves a PNG of every screen, on a desktop and a mobile viewport, to screenshots/.",
  );
  process.exit(0);
}

const config = loadConfig();
const base = process.argv[2] ?? `http://acme.localhost:${config.PORT}`;
const platform = await openPlatform(config, pino({ level: "warn" }, pino.destination(2)), { listenForTenantChanges: false });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const workspace = await openDemoWorkspace(platform, { baseURL: base, sessionSecret: authSettingsFrom(config).sessionSecret });
  const data = await prepareScreenData(workspace);
  await mkdir("screenshots", { recursive: true });
  for (const [label, viewport] of [
    ["desktop", { width: 1280, height: 800 }],
    ["mobile", { width: 390, height: 844 }],
  ] as const) {
    const errors: string[] = [];
    let count = 0;
    for (const screen of listScreens()) {
      const context = await browser.newContext({ viewport, baseURL: base });
      if (screen.audience === "admin") await workspace.signIn(context, "admin");
      if (screen.audience === "customer") await workspace.signInCustomer(context, data.customerId);
      const page = await context.newPage();
      page.on("console", (message) => message.type() === "error" && errors.push(`${page.url()}: ${message.text()}`));
      for (const [index, url] of screen.urls(data).entries()) {
        await page.goto(url);
        await page.waitForLoadState("networkidle");
        // Named after the route (/tickets/:number → tickets-number), not the tokens in its address.
        const name = (screen.path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "entry") + (index ? `-${index + 1}` : "");
        await page.screenshot({ path: `screenshots/${label}-${name}.png`, fullPage: true });
        count += 1;
      }
      await context.close();
    }
    console.log(`${label}: ${count} screenshots${errors.length ? `; console errors: ${errors.join(" | ")}` : ""}`);
  }
} finally {
  await browser.close();
  await platform.close();
}
