import { eq } from "drizzle-orm";
import { DEMO_TENANT } from "../app/demo/demo-seed.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import { expect, test } from "./fixtures";

test("an admin adds a status to a category; an agent moves a ticket into it, sees it in the list and filters by it", async ({ page, login, workspace }) => {
  const marker = Date.now().toString(36);
  const label = `Needs QA ${marker}`;

  await login("admin");
  await page.goto("/settings/statuses");
  const open = page.getByTestId("category-open");
  await open.getByText("Add status").click();
  await page.locator("#add-status-open-agentLabel").fill(label);
  await page.locator("#add-status-open-customerLabel").fill("Being checked");
  await open.getByRole("button", { name: "Add to Open" }).click();
  await expect(page.getByText(`“${label}” added to Open.`)).toBeVisible();
  await expect(open.getByText(label, { exact: true }).first()).toBeVisible();
  await page.screenshot({ path: "test-results/screens/settings-statuses.png", fullPage: true });

  const { handle } = workspace;
  const [agent] = await handle.db.select({ id: handle.t.users.id }).from(handle.t.users).where(eq(handle.t.users.email, DEMO_TENANT.agent.email));
  const ticket = await createTicket(
    handle,
    { type: "agent", userId: agent!.id },
    { customer: { name: "Quinn Tester", email: `quinn-${marker}@customers.test` }, subject: `QA me ${marker}`, message: "Please check", channel: "email" },
  );

  await page.context().clearCookies();
  await login("agent");
  await page.goto(`/tickets/${ticket.number}`);
  // The status picker groups the workspace's statuses under their categories.
  await page.getByRole("combobox", { name: "Status" }).click();
  await expect(page.getByRole("group").filter({ hasText: "On hold" }).getByRole("option", { name: "Waiting on vendor" })).toBeVisible();
  await page.getByRole("option", { name: label }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect(page.locator("h1 ~ span[data-status]")).toHaveText(label);
  await expect(page.getByTestId("activity-entry").first()).toContainText(`from Open to ${label}`);

  await page.goto(`/tickets?q=${marker}`);
  await expect(page.getByTestId("ticket-row").first()).toContainText(label);
  await page.getByRole("combobox", { name: "Status", exact: true }).selectOption({ label });
  await expect(page).toHaveURL(new RegExp(`statusKey=needs_qa_${marker}`));
  await expect(page.getByTestId("ticket-row")).toHaveCount(1);
  await page.screenshot({ path: "test-results/screens/tickets-status-filter.png", fullPage: true });
});
