// Screenshots of each screen in Chromium, for reviewing the UI: `npx tsx scripts/screenshots.ts [baseUrl]`.
// Needs a running Conductor with the demo workspace (npm start) and Debian's chromium.
import { mkdir } from "node:fs/promises";
import { chromium } from "@playwright/test";

if (process.argv.includes("--help")) {
  console.log("Usage: npx tsx scripts/screenshots.ts [http://acme.localhost:3000]\nSigns in as the demo admin and saves a PNG of every screen to screenshots/.");
  process.exit(0);
}

const base = process.argv[2] ?? "http://acme.localhost:3000";
const pages: Array<[string, string]> = [
  ["dashboard", "/dashboard"],
  ["tickets", "/tickets"],
  ["tickets-search", "/tickets?q=refund&status=all"],
  ["ticket", "/tickets/1001"],
  ["ticket-new", "/tickets/new"],
  ["customers", "/customers"],
  ["customer", "/customers/1"],
  ["customer-new", "/customers/new"],
  ["settings-profile", "/settings/profile"],
  ["settings-team", "/settings/team"],
  ["settings-sso", "/settings/sso"],
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
try {
  await mkdir("screenshots", { recursive: true });
  for (const [label, viewport] of [["desktop", { width: 1280, height: 800 }], ["mobile", { width: 390, height: 844 }]] as const) {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    await page.goto(`${base}/`);
    await page.screenshot({ path: `screenshots/${label}-entry.png`, fullPage: true });
    await page.goto(`${base}/login`);
    await page.screenshot({ path: `screenshots/${label}-login.png`, fullPage: true });
    await page.getByLabel("Email").fill("admin@acme.test");
    await page.getByLabel("Password").fill("conductor-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/dashboard");
    for (const [name, path] of pages) {
      await page.goto(`${base}${path}`);
      await page.screenshot({ path: `screenshots/${label}-${name}.png`, fullPage: true });
    }
    console.log(`${label}: ${pages.length + 2} screenshots${errors.length ? `; console errors: ${errors.join(" | ")}` : ""}`);
    await page.close();
  }
} finally {
  await browser.close();
}
