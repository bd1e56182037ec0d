import { expect, test } from "@playwright/test";

test("a workspace subdomain renders its entry page", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle("Acme Inc · Conductor");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme Inc support");
  await expect(page.getByTestId("workspace-name")).toHaveText("Acme Inc");
});

test("an unknown subdomain shows the workspace-not-found page", async ({ page, baseURL }) => {
  const url = new URL(baseURL!);
  const response = await page.goto(`http://no-such-team.localhost:${url.port}/`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Workspace not found");
  await expect(page.getByText(`no-such-team.localhost:${url.port}`)).toBeVisible();
});

test("the bare domain shows the landing page", async ({ page, baseURL }) => {
  const url = new URL(baseURL!);
  await page.goto(`http://localhost:${url.port}/`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Customer support, conducted.");
});
