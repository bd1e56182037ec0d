import nodemailer from "nodemailer";
import { startSmtpSink, type SmtpSink } from "../tests/support/smtp-sink";
import { expect, test } from "./fixtures";
import { E2E_INBOUND_DOMAIN, E2E_INBOUND_SMTP_PORT, E2E_SMTP_SINK_PORT, MAIL_INSTANCE } from "./instances";

/**
 * Email end to end on the mail-enabled instance: a customer writes to the support address, the
 * ticket appears on an agent's open list without a reload, the agent answers, and the answer
 * reaches the customer's mail server threaded on their original message.
 */
let sink: SmtpSink;
test.beforeAll(async () => {
  sink = await startSmtpSink({ port: E2E_SMTP_SINK_PORT });
});
test.afterAll(() => sink.stop());

test("a customer's email becomes a ticket live on the agent's list; the agent's reply reaches the customer threaded", async ({
  page,
  context,
  workspaceFor,
}) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const customer = `mia.${stamp}@customer.example`;
  const subject = `Invoice PDF will not open ${stamp}`;

  await (await workspaceFor(MAIL_INSTANCE)).signIn(context, "admin");
  await page.goto(`${MAIL_INSTANCE.baseURL}/tickets?status=new`);
  await expect(page.getByTestId("ticket-row").first()).toBeVisible();

  const customerMail = nodemailer.createTransport({ host: "127.0.0.1", port: E2E_INBOUND_SMTP_PORT, secure: false, ignoreTLS: true });
  const sent = await customerMail.sendMail({
    from: { name: "Mia Customer", address: customer },
    to: `support@acme.${E2E_INBOUND_DOMAIN}`,
    subject,
    text: "Hello, the invoice PDF you sent will not open on my laptop.",
  });

  // No reload: the list of new tickets polls.
  const row = page.getByTestId("ticket-row").filter({ hasText: subject });
  await expect(row).toBeVisible({ timeout: 30_000 });
  await row.getByRole("link").click();
  await expect(page.getByTestId("message").first()).toContainText("will not open on my laptop");

  await page.getByPlaceholder("Write a reply the customer will see…").fill("Sorry about that! Here is a fresh copy of the invoice.");
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page.getByTestId("message").last()).toContainText("fresh copy");

  const replies = await sink.waitForDeliveries(customer, 2, 30_000); // the confirmation, then the answer
  const answer = replies.find((delivery) => delivery.mail.text?.includes("fresh copy"));
  expect(answer).toBeDefined();
  expect(answer!.mail.subject).toContain(subject);
  const references = [answer!.mail.inReplyTo, ...[answer!.mail.references ?? []].flat()].join(" ");
  expect(references).toContain(sent.messageId);
  expect(answer!.mail.replyTo?.text).toMatch(new RegExp(`^.*acme\\+\\d+-[0-9a-f]{32}@${E2E_INBOUND_DOMAIN.replace(".", "\\.")}`));
});

test("an email full of script shows its formatting to the agent with nothing running", async ({ page, context, workspaceFor }) => {
  test.setTimeout(60_000);
  const stamp = Date.now();
  const subject = `Hostile newsletter ${stamp}`;
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await (await workspaceFor(MAIL_INSTANCE)).signIn(context, "admin");

  const customerMail = nodemailer.createTransport({ host: "127.0.0.1", port: E2E_INBOUND_SMTP_PORT, secure: false, ignoreTLS: true });
  await customerMail.sendMail({
    from: `eve.${stamp}@attacker.example`,
    to: `support@acme.${E2E_INBOUND_DOMAIN}`,
    subject,
    text: "Plain part of a hostile email.",
    html: `<p>Hello <b>agent</b></p>
      <script>parent.document.title = "pwned"; alert("script ran")</script>
      <img src="x" onerror="alert('onerror ran')">
      <a href="javascript:alert('link ran')">click me</a>
      <div style="display:none">hidden text for spam filters</div>
      <iframe src="https://attacker.example/"></iframe>
      <form action="https://attacker.example/"><input name="password"></form>`,
  });

  await page.goto(`${MAIL_INSTANCE.baseURL}/tickets?status=all&q=${encodeURIComponent(`"${subject}"`)}`);
  const row = page.getByTestId("ticket-row").filter({ hasText: subject });
  await expect(async () => {
    await page.reload();
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await row.getByRole("link").click();
  await expect(page).toHaveTitle(new RegExp(subject));
  const title = await page.title();

  await page.getByText("Show original formatting").click();
  const frame = page.frameLocator('iframe[title="Original formatting of this email"]');
  await expect(frame.getByText("Hello")).toBeVisible();
  const link = frame.getByText("click me");
  await expect(link).toBeVisible();
  await link.click().catch(() => {}); // a stripped href leaves nothing to follow
  await page.waitForTimeout(500);

  expect(dialogs).toEqual([]);
  expect(await page.title()).toBe(title);
  const frameHtml = await page.locator('iframe[title="Original formatting of this email"]').evaluate((element) => (element as HTMLIFrameElement).srcdoc);
  for (const dangerous of ["<script", "onerror", "javascript:", "<iframe", "<form", "<input", "display:none"]) expect(frameHtml).not.toContain(dangerous);
  // text a sender tried to hide is shown to the agent, not hidden from them
  await expect(frame.getByText("hidden text for spam filters")).toBeVisible();
});
