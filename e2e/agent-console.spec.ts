import { request as playwrightRequest } from "@playwright/test";
import { expect, test } from "./fixtures";

test("an agent works a ticket from the dashboard: reply, internal note, status and assignee, then finds it by search", async ({ page, login }) => {
  await login("agent");
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "Welcome back, Alex" })).toBeVisible();
  await expect(page.getByTestId("metric-open")).toHaveText(/^\d+$/);
  await expect(page.getByTestId("activity-feed").getByTestId("activity-entry").first()).toBeVisible();

  await page.getByRole("link", { name: "Tickets", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Tickets" })).toBeVisible();
  const firstRow = page.getByTestId("ticket-row").first();
  const title = (await firstRow.getByRole("link").textContent())!;
  const number = /#(\d+)/.exec(title)![1]!;
  // keyboard: the first row is active; Enter opens it
  await firstRow.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/tickets/${number}$`));

  const marker = `zanzibar${Date.now()}`;
  await page.getByPlaceholder("Write a reply the customer will see…").fill(`Hello! Tracking code ${marker}.`);
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page.getByTestId("message").last()).toContainText(marker);

  await page.getByText("Internal note", { exact: true }).click();
  await page.getByPlaceholder("Write a note only your team will see…").fill("Only for the team");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByTestId("internal-note").last()).toContainText("Only for the team");

  await page.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Pending" }).click();
  await page.getByRole("combobox", { name: "Assignee" }).click();
  await page.getByRole("option", { name: "Ada Admin" }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const history = page.getByRole("complementary", { name: "Ticket details" });
  await expect(history.getByText(/changed the status of .* to Pending/).first()).toBeVisible();
  await expect(history.getByText(/assigned .* to Ada Admin/).first()).toBeVisible();

  await page.getByLabel("Search tickets").fill(marker);
  await page.getByLabel("Search tickets").press("Enter");
  await expect(page).toHaveURL(/q=zanzibar/);
  await expect(page.getByTestId("ticket-row")).toHaveCount(1);
  await expect(page.getByTestId("ticket-row")).toContainText(`#${number}`);
});

test("a ticket created through the API appears on an open dashboard and ticket list without a reload", async ({ page, browser, baseURL, login }) => {
  await login("admin");
  await page.goto("/settings/profile");
  await page.getByLabel("Token name").fill("e2e");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-api-token").textContent())!.trim();

  await page.goto("/dashboard");
  const openBefore = Number(await page.getByTestId("metric-open").textContent());
  const list = await browser.newPage();
  await list.context().addCookies(await page.context().cookies());
  await list.goto(`${baseURL}/tickets?status=open`);
  await expect(list.getByTestId("ticket-row").first()).toBeVisible();

  const subject = `Printer on fire ${Date.now()}`;
  // Another client, as a script would be: no cookies, only the token. Node cannot resolve *.localhost, hence the Host header.
  const url = new URL(baseURL!);
  const api = await playwrightRequest.newContext({ baseURL: `http://127.0.0.1:${url.port}`, extraHTTPHeaders: { host: url.host } });
  const created = await api.post("/api/tickets", {
    headers: { authorization: `Bearer ${token}` },
    data: { subject, message: "Smoke everywhere", customer: { name: "Fiona Fire", email: "fiona@example.com" }, priority: "urgent" },
  });
  expect(created.status()).toBe(201);
  await api.dispose();

  await expect(page.getByTestId("activity-feed")).toContainText(subject);
  await expect(page.getByTestId("metric-open")).toHaveText(String(openBefore + 1));
  await expect(list.getByTestId("ticket-row").first()).toContainText(subject);
  await expect(list.getByTestId("count-open")).toHaveText(String(openBefore + 1));
});

test("polling pauses while the tab is hidden and catches up at once when it is shown again", async ({ page, login }) => {
  await login("agent");
  const polls: number[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.endsWith(".data")) polls.push(Date.now());
  });
  await page.goto("/dashboard");
  await expect.poll(() => polls.length, { timeout: 10_000 }).toBeGreaterThan(0);

  const setVisibility = (state: "hidden" | "visible") =>
    page.evaluate((value) => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => value });
      document.dispatchEvent(new Event("visibilitychange"));
    }, state);
  await setVisibility("hidden");
  await page.waitForTimeout(300);
  const whileHidden = polls.length;
  await page.waitForTimeout(5_000); // 2.5 poll intervals in the e2e server
  expect(polls.length).toBe(whileHidden);

  const shownAt = Date.now();
  await setVisibility("visible");
  await expect.poll(() => polls.filter((at) => at >= shownAt).length, { timeout: 1_000 }).toBeGreaterThan(0);
});
