import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * The customer portal end to end on the seeded demo workspace: a customer files a request, signs
 * in with the code from the development mailbox, follows it and replies; an agent sees the reply
 * arrive on the open ticket page and answers; the customer sees the answer arrive too.
 */

/** The newest sign-in code emailed to `email`, read from /dev/mailbox (it lists every email with its subject). */
async function codeFromMailbox(mailbox: Page, email: string): Promise<string> {
  const row = mailbox.getByTestId("mailbox-email").filter({ hasText: email }).filter({ hasText: "Your sign-in code:" }).first();
  await expect(async () => {
    await mailbox.goto("/dev/mailbox");
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  return /Your sign-in code: (\d{6})/.exec((await row.textContent()) ?? "")![1]!;
}

test("a customer files a request, signs in with an emailed code and replies; an agent sees the reply live and answers; the customer sees the answer", async ({
  page,
  browser,
  baseURL,
  workspace,
}) => {
  const stamp = Date.now();
  const email = `casey.${stamp}@example.com`;
  const subject = `Telescope lens is foggy ${stamp}`;

  // The customer submits a request.
  await page.goto("/portal");
  await expect(page.getByRole("link", { name: /Acme/ }).first()).toBeVisible();
  await page.getByRole("link", { name: "Submit a request" }).first().click();
  await expect(page.getByRole("heading", { name: "Submit a request" })).toBeVisible();
  await page.getByLabel("Your name").fill("Casey Customer");
  await page.getByLabel("Email").fill(email);
  if (await page.getByLabel("Category").isVisible()) await page.getByLabel("Category").selectOption({ index: 1 });
  await page.getByLabel("Subject").fill(subject);
  await page.getByLabel("How can we help?").fill("Since Tuesday the lens fogs up within minutes.");
  // The form refuses submissions faster than a person types (a spam check): take the time a person would.
  await page.waitForTimeout(3_200);
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page).toHaveURL(/\/portal\/received\/\d+\?receipt=/);
  await expect(page.getByText("A confirmation email is on its way")).toBeVisible();
  const number = /#(\d+)/.exec((await page.getByTestId("request-number").textContent())!)![1]!;

  // An agent opens the new ticket and keeps the page open.
  const agentContext = await browser.newContext({ baseURL });
  await workspace.signIn(agentContext, "admin");
  const agent = await agentContext.newPage();
  await agent.goto(`/tickets/${number}`);
  await expect(agent.getByRole("heading", { name: subject })).toBeVisible();

  // The customer follows the request: signing in first, with a code from the mailbox.
  await page.getByRole("link", { name: "Follow this request" }).click();
  await expect(page).toHaveURL(new RegExp(`/portal/login\\?redirectTo=%2Fportal%2Ftickets%2F${number}$`));
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByRole("button", { name: "Email me a sign-in code" }).click();
  await expect(page.getByTestId("code-sent")).toContainText("we have sent a 6-digit code");
  const mailbox = await page.context().newPage();
  const code = await codeFromMailbox(mailbox, email);
  await mailbox.close();
  await page.getByLabel("Sign-in code").fill(code);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/portal/tickets/${number}$`));
  await expect(page.getByRole("heading", { name: subject })).toBeVisible();
  await expect(page.getByTestId("portal-message").first()).toContainText("the lens fogs up");

  await page.getByRole("link", { name: "My requests" }).first().click();
  const row = page.getByTestId("portal-ticket").filter({ hasText: subject });
  await expect(row).toContainText("Open");
  await row.getByRole("link").click();

  // The customer replies; the agent's open page shows it without a reload.
  const customerReply = `Tried wiping it, still foggy ${stamp}`;
  await page.getByLabel("Your message").fill(customerReply);
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page.getByTestId("portal-message").last()).toContainText(customerReply);
  await expect(page.getByLabel("Your message")).toHaveValue("");
  await expect(agent.getByTestId("message").last()).toContainText(customerReply, { timeout: 15_000 });

  // The agent notes something for the team and answers the customer.
  await agent.getByText("Internal note", { exact: true }).click();
  await agent.getByPlaceholder("Write a note only your team will see…").fill(`Team only: lens batch 7 ${stamp}`);
  await agent.getByRole("button", { name: "Add note" }).click();
  await expect(agent.getByTestId("internal-note").last()).toContainText("lens batch 7");
  await agent.getByText("Public reply", { exact: true }).click();
  const answer = `Please use the anti-fog cloth from the box ${stamp}`;
  await agent.getByPlaceholder("Write a reply the customer will see…").fill(answer);
  await agent.getByRole("button", { name: "Send reply" }).click();
  await expect(agent.getByTestId("message").last()).toContainText(answer);

  // The customer's page shows the answer without a reload, and never the team's note.
  await expect(page.getByTestId("portal-message").last()).toContainText(answer, { timeout: 15_000 });
  await expect(page.getByTestId("portal-message").last()).toContainText("Ada Admin");
  await expect(page.getByText("lens batch 7")).toHaveCount(0);

  // Signing out ends the portal session.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto(`/portal/tickets/${number}`);
  await expect(page).toHaveURL(/\/portal\/login\?redirectTo=/);
  await agentContext.close();
});

test("the request form keeps what was typed and explains a refusal, without JavaScript", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/portal/new");
  await page.getByLabel("Your name").fill("Noah Nojs");
  await page.getByLabel("Email").fill("not an email");
  await page.getByLabel("Subject").fill("Kept subject");
  await page.getByLabel("How can we help?").fill("Kept message");
  await page.getByRole("button", { name: "Send request" }).click();
  // Sent at once: the timing check refuses it, with everything still there.
  await expect(page.getByRole("alert").first()).toContainText("faster than a person");
  await expect(page.getByLabel("Subject")).toHaveValue("Kept subject");
  await expect(page.getByLabel("How can we help?")).toHaveValue("Kept message");
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
  await context.close();
});
