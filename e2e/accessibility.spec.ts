import AxeBuilder from "@axe-core/playwright";
import { MAIN_INSTANCE } from "./instances";
import { expect, test } from "./fixtures";
import { AUDIENCES, listScreens, prepareScreenData, type ScreenData } from "./screens";

let data: ScreenData;
test.beforeAll(async ({ workspaceFor }) => {
  data = await prepareScreenData(await workspaceFor(MAIN_INSTANCE));
});

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

// One page per audience, a step per screen: a new page and session per screen would double the time.
for (const audience of AUDIENCES) {
  test(`every screen ${audience === "anonymous" ? "anyone" : `a signed-in ${audience}`} sees passes axe-core's WCAG 2.2 AA rules`, async ({
    page,
    context,
    workspace,
  }) => {
    test.setTimeout(180_000);
    if (audience === "admin") await workspace.signIn(context, "admin");
    if (audience === "customer") await workspace.signInCustomer(context, data.customerId);
    for (const screen of listScreens().filter((candidate) => candidate.audience === audience)) {
      for (const url of screen.urls(data)) {
        await test.step(url, async () => {
          await page.goto(url);
          await page.waitForLoadState("load");
          // An email's own HTML (the mailbox and ticket previews, in sandboxed frames where axe cannot run) is the sender's, not ours.
          const results = await new AxeBuilder({ page }).exclude("iframe").withTags(WCAG_TAGS).analyze();
          const violations = results.violations.map(
            (v) =>
              `${url}: ${v.id} (${v.impact}) ${v.nodes
                .map((n) => n.target.join(" "))
                .slice(0, 3)
                .join(", ")}`,
          );
          expect(violations, violations.join("\n")).toEqual([]);
        });
      }
    }
  });
}

test("a form showing its field errors passes axe-core's WCAG 2.2 AA rules", async ({ page, login }) => {
  await login("admin");
  await page.goto("/settings/sla/new");
  await page.getByLabel("Normal: First reply").fill("not a time");
  await page.getByRole("button", { name: "Create policy" }).click();
  await expect(page.getByText("Enter minutes, or a time such as 90m").first()).toBeVisible();
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});
