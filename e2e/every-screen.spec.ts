import { MAIN_INSTANCE } from "./instances";
import { expect, test } from "./fixtures";
import { AUDIENCES, listScreens, prepareScreenData, type ScreenData } from "./screens";

/** A newcomer's walk: every screen opens with nothing thrown and nothing logged as an error. */
let data: ScreenData;
test.beforeAll(async ({ workspaceFor }) => {
  data = await prepareScreenData(await workspaceFor(MAIN_INSTANCE));
});

for (const audience of AUDIENCES) {
  test(`every screen ${audience === "anonymous" ? "anyone" : `a signed-in ${audience}`} sees opens without a page error or console error`, async ({
    page,
    context,
    workspace,
  }) => {
    test.setTimeout(120_000);
    if (audience === "admin") await workspace.signIn(context, "admin");
    if (audience === "customer") await workspace.signInCustomer(context, data.customerId);
    let errors: string[] = [];
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console error: ${message.text()}`);
    });
    for (const screen of listScreens().filter((candidate) => candidate.audience === audience)) {
      for (const url of screen.urls(data)) {
        await test.step(url, async () => {
          errors = [];
          const response = await page.goto(url);
          expect(response?.status(), url).toBe(200);
          // Hydration (where a mismatch throws) runs once the page's modules have loaded.
          await page.waitForLoadState("networkidle");
          expect(errors, url).toEqual([]);
        });
      }
    }
  });
}
