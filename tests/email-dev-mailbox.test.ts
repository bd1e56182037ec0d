import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../app/config.server";
import type { JobHelpers } from "graphile-worker";
import { createMailTransport } from "../app/email/mail-transport.server";
import { mailSettingsFrom } from "../app/email/mail-settings.server";
import { headerFields } from "../app/email/raw-message";
import { sendEmailTask } from "../app/email/send-email-task.server";
import { queueLoginCode, queueTicketConfirmation } from "../app/email/notifications.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let devServer: TestServer;
let smtpServer: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let confirmationId: number;
let ticketNumber: number;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme Mail" });
  globex = await createTestTenant(platform, { name: "Globex Mail" });
  devServer = await startTestServer(platform);
  smtpServer = await startTestServer(platform, { env: { SMTP_URL: "smtp://127.0.0.1:2525" } });

  const handle = platform.router.forTenant(acme);
  const origin = `http://${host(acme)}`;
  const customer = { name: "Grace <Hopper>", email: `grace@${acme.slug}.test` };
  const subject = `Broken <script>alert("x")</script>`;
  const ticket = await createTicket(handle, { type: "system" }, { customer, subject, message: "Help", channel: "portal" });
  ticketNumber = ticket.number;
  confirmationId = (
    await handle.transaction((tx) => queueTicketConfirmation({ tx, handle, origin }, { customer, ticket: { id: ticket.id, number: ticket.number, subject } }))
  ).id;
  await handle.transaction((tx) =>
    queueLoginCode(
      { tx, handle, origin },
      { customer: { name: null, email: `later@${acme.slug}.test` }, code: "424242", link: `${origin}/portal/login/tok`, expiresInMinutes: 10 },
    ),
  );
  const globexHandle = platform.router.forTenant(globex);
  await globexHandle.transaction((tx) =>
    queueLoginCode(
      { tx, handle: globexHandle, origin: `http://${host(globex)}` },
      { customer: { name: null, email: `someone@${globex.slug}.test` }, code: "999999", link: "http://x.test", expiresInMinutes: 10 },
    ),
  );
});
afterAll(async () => {
  await devServer.close();
  await smtpServer.close();
  await platform.close();
});

describe("/dev/mailbox without SMTP_URL", () => {
  it("lists the workspace's outbox newest first, to anyone, and says what it is", async () => {
    const response = await devServer.request(host(acme), "/dev/mailbox");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/every email Conductor would have sent/i);
    const later = html.indexOf(`later@${acme.slug}.test`);
    const earlier = html.indexOf(`grace@${acme.slug}.test`);
    expect(later).toBeGreaterThan(-1);
    expect(earlier).toBeGreaterThan(later);
    expect(html).toContain("Your sign-in code: 424242");
    expect(html).not.toContain(`<script>alert("x")</script>`);
    expect(html).not.toContain(`someone@${globex.slug}.test`);
  });

  it("shows one email: headers, the text part and the HTML part in a sandboxed iframe", async () => {
    const response = await devServer.request(host(acme), `/dev/mailbox/${confirmationId}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const { db, t } = platform.router.forTenant(acme);
    const [row] = await db.select().from(t.outboundEmails).where(eq(t.outboundEmails.id, confirmationId));
    expect(html).toContain(escapeHtml(row!.messageId));
    expect(html).toContain(`Acme Mail &lt;support@localhost&gt;`);
    expect(html).toContain(`Grace &lt;Hopper&gt; &lt;grace@${acme.slug}.test&gt;`);
    expect(html).toContain(`href="http://${host(acme)}/portal/tickets/${ticketNumber}"`);
    const iframe = /<iframe[^>]*>/.exec(html)?.[0] ?? "";
    expect(iframe).toContain(`sandbox=""`);
    expect(iframe).toMatch(/srcDoc="&lt;!doctype html&gt;/i);
    expect(html).not.toContain(`<script>alert("x")</script>`);
  });

  it("shows a sent email's header fields and raw source as built for SMTP: the reply address, threading, Auto-Submitted", async () => {
    const before = await (await devServer.request(host(acme), `/dev/mailbox/${confirmationId}`)).text();
    expect(before).toContain("The raw source appears once the message is sent.");
    // The worker's own task, on the development mailbox's transport, with inbound replies configured.
    const silent = { info: () => {}, warn: () => {}, error: () => {} };
    const replyRouting = { sessionSecret: "s".repeat(40), inboundDomain: "in.conductor.test" };
    const task = sendEmailTask({ platform, transport: createMailTransport(undefined), fromAddress: "support@localhost", log: silent, replyRouting });
    await task({ tenantId: acme.id, emailId: confirmationId }, { job: { id: "1", attempts: 1, max_attempts: 25 } } as unknown as JobHelpers);

    const { db, t } = platform.router.forTenant(acme);
    const [row] = await db.select().from(t.outboundEmails).where(eq(t.outboundEmails.id, confirmationId));
    expect(row!.status).toBe("sent");
    const fields = new Map(headerFields(row!.rawSource!).map(([name, value]) => [name.toLowerCase(), value]));
    expect(fields.get("reply-to")).toMatch(new RegExp(`^Acme Mail <${acme.slug}\\+[\\w-]+@in\\.conductor\\.test>$`));
    expect(fields.get("message-id")).toBe(row!.messageId);
    expect(fields.get("auto-submitted")).toBe("auto-replied");
    expect(row!.rawSource).toContain("Content-Type: text/plain");
    expect(row!.rawSource).toContain("Content-Type: text/html");

    const html = await (await devServer.request(host(acme), `/dev/mailbox/${confirmationId}`)).text();
    expect(html).toContain(escapeHtml(fields.get("reply-to")!));
    expect(html).toContain("Auto-Submitted");
    expect(html).toContain('data-testid="raw-source"');
  });

  it("reads header fields as written, folded lines joined, the body left out", () => {
    const raw = "Subject: =?UTF-8?Q?Caf=C3=A9?=\r\nReferences: <a@x>\r\n <b@x>\r\n\tfolded\r\nX-Empty:\r\n\r\nBody: not a header\r\n";
    expect(headerFields(raw)).toEqual([
      ["Subject", "=?UTF-8?Q?Caf=C3=A9?="],
      ["References", "<a@x> <b@x> folded"],
      ["X-Empty", ""],
    ]);
    expect(headerFields("no headers at all")).toEqual([]);
  });

  it("is a 404 for an email that is not this workspace's or not a number", async () => {
    for (const path of ["/dev/mailbox/999999", "/dev/mailbox/abc", "/dev/mailbox/-1"]) {
      expect((await devServer.request(host(acme), path)).status).toBe(404);
    }
    const globexList = await (await devServer.request(host(globex), "/dev/mailbox")).text();
    expect(globexList).not.toContain(`grace@${acme.slug}.test`);
  });
});

describe("/dev/mailbox elsewhere", () => {
  it("does not exist with SMTP_URL set", async () => {
    expect((await smtpServer.request(host(acme), "/dev/mailbox")).status).toBe(404);
    expect((await smtpServer.request(host(acme), `/dev/mailbox/${confirmationId}`)).status).toBe(404);
  });

  it("is never on in production, even if SMTP_URL were missing", () => {
    const development = loadConfig({});
    expect(mailSettingsFrom(development).devMailbox).toBe(true);
    expect(mailSettingsFrom({ ...development, NODE_ENV: "production" }).devMailbox).toBe(false);
    expect(mailSettingsFrom(loadConfig({ SMTP_URL: "smtps://user:pass@mail.example.com:465" })).devMailbox).toBe(false);
    expect(() => loadConfig({ NODE_ENV: "production", DATABASE_URL: "postgres://x", SESSION_SECRET: "s".repeat(40), APP_DOMAIN: "example.com" })).toThrow(
      /SMTP_URL is required/,
    );
  });

  it("reads the mail settings: sender address, worker mode", () => {
    expect(mailSettingsFrom(loadConfig({ APP_DOMAIN: "conductor.example.com" })).fromAddress).toBe("support@conductor.example.com");
    expect(mailSettingsFrom(loadConfig({ MAIL_FROM: "help@acme.example" })).fromAddress).toBe("help@acme.example");
    expect(mailSettingsFrom(loadConfig({ WORKER_MODE: "off" })).worker.mode).toBe("off");
    expect(() => loadConfig({ SMTP_URL: "http://mail.example.com" })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ WORKER_MODE: "sometimes" })).toThrow(/WORKER_MODE/);
  });
});

function escapeHtml(value: string) {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
