import AxeBuilder from "@axe-core/playwright";
import { MAIN_INSTANCE } from "./instances";
import { expect, test } from "./fixtures";
import { AUDIENCES, listScreens, prepareScreenData, type ScreenData } from "./screens";

let data: ScreenData;
test.beforeAll(async ({ workspaceFor }) => {
  data = await prepareScreenData(await workspaceFor(MAIN_INSTANCE));
});

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
          const results = await new AxeBuilder({ page }).exclude("iframe").withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
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
