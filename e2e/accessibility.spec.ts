import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";

const SCREENS = ["/dashboard", "/tickets", "/tickets?q=refund&status=all", "/tickets/1001", "/tickets/new", "/customers", "/customers/new", "/settings/profile", "/settings/portal", "/portal", "/portal/new", "/portal/login"];

test("every agent and portal screen passes axe-core's WCAG 2.2 AA rules", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/login");
  await page.getByLabel("Email").fill("admin@acme.test");
  await page.getByLabel("Password").fill("conductor-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  for (const path of SCREENS) {
    await page.goto(path);
    await page.waitForLoadState("load");
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
    const violations = results.violations.map((v) => `${path}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    expect(violations, violations.join("\n")).toEqual([]);
  }
});
