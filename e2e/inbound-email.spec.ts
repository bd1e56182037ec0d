import { expect, test } from "@playwright/test";
import nodemailer from "nodemailer";
import { startSmtpSink, type SmtpSink } from "../tests/support/smtp-sink";
import { E2E_INBOUND_DOMAIN, E2E_INBOUND_SMTP_PORT, E2E_MAIL_BASE_URL, E2E_SMTP_SINK_PORT } from "./mail-instance";

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

test("a customer's email becomes a ticket live on the agent's list; the agent's reply reaches the customer threaded", async ({ page }) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const customer = `mia.${stamp}@customer.example`;
  const subject = `Invoice PDF will not open ${stamp}`;

  await page.goto(`${E2E_MAIL_BASE_URL}/login`);
  await page.getByLabel("Email").fill("admin@acme.test");
  await page.getByLabel("Password").fill("conductor-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto(`${E2E_MAIL_BASE_URL}/tickets?status=open`);
  await expect(page.getByTestId("ticket-row").first()).toBeVisible();

  const customerMail = nodemailer.createTransport({ host: "127.0.0.1", port: E2E_INBOUND_SMTP_PORT, secure: false, ignoreTLS: true });
  const sent = await customerMail.sendMail({
    from: { name: "Mia Customer", address: customer },
    to: `support@acme.${E2E_INBOUND_DOMAIN}`,
    subject,
    text: "Hello, the invoice PDF you sent will not open on my laptop.",
  });

  // No reload: the open list polls.
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
