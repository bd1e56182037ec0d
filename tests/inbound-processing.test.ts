import { eq } from "drizzle-orm";
import MailComposer from "nodemailer/lib/mail-composer";
import type Mail from "nodemailer/lib/mailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundMessage } from "../app/email/outbound-message.server";
import { processInboundEmail } from "../app/inbound/process-inbound-email.server";
import { cleanBody, stripQuotedHistory } from "../app/inbound/quoted-text.server";
import { replyAddress, replyToken, verifyReplyToken } from "../app/inbound/reply-token.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { TEST_SESSION_SECRET } from "./support/test-server";

// Runs the processing function directly on rows written as the receiver writes them; no worker.
const platform = openTestPlatform();
let acme: TenantRecord;
let globex: TenantRecord;
let acmeDb: TenantHandle;
let globexDb: TenantHandle;
let agentId: number;
let agentEmail: string;
let sequence = 0;

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme" }), createTestTenant(platform, { name: "Globex" })]);
  acmeDb = platform.router.forTenant(acme);
  globexDb = platform.router.forTenant(globex);
  agentEmail = `agent@${acme.slug}.test`;
  agentId = (await createMember(platform, acme, { email: agentEmail, name: "Ada Agent" })).id;
});
afterAll(() => platform.close());

const options = (tenant: TenantRecord) => ({ sessionSecret: TEST_SESSION_SECRET, origin: `http://${tenant.slug}.localhost` });

function compose(mail: Mail.Options): Promise<Buffer> {
  return new MailComposer({ to: "support@acme.test", ...mail }).compile().build();
}

async function receive(handle: TenantHandle, raw: Buffer, envelope: { from?: string | null; to?: string[] } = {}): Promise<number> {
  sequence += 1;
  const [row] = await handle.db
    .insert(handle.t.inboundEmails)
    .values({
      dedupeKey: `test-${Date.now()}-${sequence}-${Math.random()}`,
      raw,
      sizeBytes: raw.length,
      receivedVia: "smtp",
      envelopeFrom: envelope.from === undefined ? "sender@example.test" : envelope.from,
      envelopeTo: envelope.to ?? [],
    })
    .returning({ id: handle.t.inboundEmails.id });
  return row!.id;
}

async function deliver(handle: TenantHandle, tenant: TenantRecord, mail: Mail.Options, envelope?: { from?: string | null; to?: string[] }) {
  const id = await receive(handle, await compose(mail), envelope);
  const outcome = await processInboundEmail(handle, options(tenant), id);
  const [row] = await handle.db.select().from(handle.t.inboundEmails).where(eq(handle.t.inboundEmails.id, id));
  return { id, outcome, row: row! };
}

async function ticketOf(handle: TenantHandle, ticketId: number) {
  const { t } = handle;
  const [ticket] = await handle.db.select().from(t.tickets).where(eq(t.tickets.id, ticketId));
  const messages = await handle.db.select().from(t.ticketMessages).where(eq(t.ticketMessages.ticketId, ticketId)).orderBy(t.ticketMessages.id);
  const [customer] = await handle.db.select().from(t.customers).where(eq(t.customers.id, ticket!.customerId));
  return { ticket: ticket!, messages, customer: customer! };
}

async function outboxFor(handle: TenantHandle, ticketId: number) {
  return handle.db.select().from(handle.t.outboundEmails).where(eq(handle.t.outboundEmails.ticketId, ticketId));
}

async function noticesAbout(handle: TenantHandle, ticketMessageId: number) {
  return handle.db.select().from(handle.t.outboundEmails).where(eq(handle.t.outboundEmails.ticketMessageId, ticketMessageId));
}

describe("reply tokens", () => {
  it("verify only in full, for the tenant and ticket they were made for", () => {
    const token = replyToken(TEST_SESSION_SECRET, acme.id, 42);
    expect(verifyReplyToken(TEST_SESSION_SECRET, acme.id, token)).toBe(42);
    expect(verifyReplyToken(TEST_SESSION_SECRET, globex.id, token)).toBeNull();
    expect(verifyReplyToken(TEST_SESSION_SECRET, acme.id, token.slice(0, -1))).toBeNull();
    expect(verifyReplyToken(TEST_SESSION_SECRET, acme.id, token.replace(/^42-/, "43-"))).toBeNull();
    expect(verifyReplyToken("another-secret-that-is-long-enough-000000", acme.id, token)).toBeNull();
    expect(replyAddress(TEST_SESSION_SECRET, acme, 42, "in.example.test")).toBe(`${acme.slug}+${token}@in.example.test`);
  });
});

describe("quoted history", () => {
  it.each([
    ["Gmail", "Thanks, that worked.\n\nOn Tue, 3 Mar 2026 at 10:00, Acme Support <support@acme.test>\nwrote:\n> Try this\n> and that"],
    ["Apple Mail", "Thanks, that worked.\n\nOn 3 Mar 2026, at 10:00, Acme <support@acme.test> wrote:\n\n> Try this"],
    ["Outlook", "Thanks, that worked.\n\n-----Original Message-----\nFrom: Acme\nSent: Tuesday\nTry this"],
    ["Outlook header block", "Thanks, that worked.\n\n________________________________\nFrom: Acme\nSent: Tuesday\nTry this"],
    ["bare quote", "Thanks, that worked.\n> Try this\n>\n> and that\n"],
  ])("is folded away (%s)", (_client, text) => {
    expect(stripQuotedHistory(text)).toBe("Thanks, that worked.");
  });

  it("keeps inline quotes that are answered and a message that is only a quote", () => {
    expect(stripQuotedHistory("> question one\nanswer one\n> question two\nanswer two")).toBe("> question one\nanswer one\n> question two\nanswer two");
    expect(stripQuotedHistory("> only quoted")).toBe("> only quoted");
    expect(cleanBody("a\u0000b")).toBe("ab");
  });
});

describe("processing inbound email", () => {
  it("files a new email as a new email ticket for a new customer and confirms it", async () => {
    const { outcome, row } = await deliver(acmeDb, acme, {
      from: '"Nina New" <nina@customers.test>',
      subject: "Printer on fire",
      text: "It is on fire.\n\nOn Mon, 1 Jan 2024 Bob wrote:\n> old stuff\n> more",
      messageId: "<new-1@customers.test>",
    });
    expect(outcome).toMatchObject({ status: "processed", newTicket: true, automated: false });
    expect(row).toMatchObject({ status: "processed", automated: false });
    const { ticket, messages, customer } = await ticketOf(acmeDb, row.ticketId!);
    expect(ticket).toMatchObject({ subject: "Printer on fire", channel: "email" });
    expect(customer).toMatchObject({ name: "Nina New", email: "nina@customers.test" });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      id: row.ticketMessageId,
      authorType: "customer",
      authorCustomerId: customer.id,
      body: "It is on fire.",
      emailMessageId: "<new-1@customers.test>",
      inboundEmailId: row.id,
    });
    const outbox = await outboxFor(acmeDb, ticket.id);
    expect(outbox.map((email) => [email.kind, email.toAddress])).toEqual([["ticket_confirmation", "nina@customers.test"]]);
  });

  it("threads a reply by its reply-address token and notifies the assignee", async () => {
    const first = await deliver(acmeDb, acme, { from: "rita@customers.test", subject: "Token thread", text: "first", messageId: "<tok-1@customers.test>" });
    await acmeDb.db.update(acmeDb.t.tickets).set({ assigneeId: agentId }).where(eq(acmeDb.t.tickets.id, first.row.ticketId!));
    const to = replyAddress(TEST_SESSION_SECRET, acme, first.row.ticketId!, "in.example.test");
    const reply = await deliver(
      acmeDb,
      acme,
      { from: "Rita <RITA@customers.test>", to, subject: "Re: something else", text: "second", messageId: "<tok-2@customers.test>" },
      { to: [to] },
    );
    expect(reply.outcome).toMatchObject({ status: "processed", newTicket: false });
    expect(reply.row.ticketId).toBe(first.row.ticketId);
    const { messages } = await ticketOf(acmeDb, first.row.ticketId!);
    expect(messages.map((m) => m.body)).toEqual(["first", "second"]);
    const notices = await noticesAbout(acmeDb, reply.row.ticketMessageId!);
    expect(notices.map((n) => [n.kind, n.toAddress])).toEqual([["customer_reply_notice", agentEmail]]);
  });

  it("files a new ticket when someone else writes to a ticket's reply address", async () => {
    const first = await deliver(acmeDb, acme, { from: "owner@customers.test", subject: "Mine", text: "first" });
    const to = replyAddress(TEST_SESSION_SECRET, acme, first.row.ticketId!, "in.example.test");
    const other = await deliver(acmeDb, acme, { from: "someone@else.test", to, subject: "Fwd", text: "hi" }, { to: [to] });
    expect(other.outcome).toMatchObject({ status: "processed", newTicket: true });
    expect((await ticketOf(acmeDb, first.row.ticketId!)).messages).toHaveLength(1);
  });

  it("ignores a token that does not verify and files a new ticket", async () => {
    const first = await deliver(acmeDb, acme, { from: "tom@customers.test", subject: "Forged token base", text: "first" });
    const forged = `${acme.slug}+${first.row.ticketId}-${"A".repeat(43)}@in.example.test`;
    const reply = await deliver(acmeDb, acme, { from: "tom@customers.test", to: forged, subject: "Forged", text: "second" }, { to: [forged] });
    expect(reply.outcome).toMatchObject({ status: "processed", newTicket: true });
  });

  it("threads by In-Reply-To only when the sender is the ticket's customer", async () => {
    const first = await deliver(acmeDb, acme, { from: "irene@customers.test", subject: "Thread me", text: "first", messageId: "<irt-1@customers.test>" });
    const [confirmation] = await outboxFor(acmeDb, first.row.ticketId!);
    const right = await deliver(acmeDb, acme, {
      from: "Irene@Customers.test",
      subject: "Re: Thread me",
      text: "from the customer",
      inReplyTo: confirmation!.messageId,
      references: [confirmation!.messageId],
    });
    expect(right.row.ticketId).toBe(first.row.ticketId);
    const byOwnId = await deliver(acmeDb, acme, { from: "irene@customers.test", subject: "Re: Thread me", text: "again", inReplyTo: "<irt-1@customers.test>" });
    expect(byOwnId.row.ticketId).toBe(first.row.ticketId);

    const wrong = await deliver(acmeDb, acme, {
      from: "mallory@attacker.test",
      subject: "Re: Thread me",
      text: "let me in",
      inReplyTo: confirmation!.messageId,
      references: [confirmation!.messageId],
    });
    expect(wrong.outcome).toMatchObject({ status: "processed", newTicket: true });
    expect(wrong.row.ticketId).not.toBe(first.row.ticketId);
    const { customer } = await ticketOf(acmeDb, wrong.row.ticketId!);
    expect(customer.email).toBe("mallory@attacker.test");
  });

  it("does not thread on another tenant's Message-ID", async () => {
    const acmeTicket = await deliver(acmeDb, acme, {
      from: "cross@customers.test",
      subject: "Acme only",
      text: "first",
      messageId: "<cross-1@customers.test>",
    });
    const [confirmation] = await outboxFor(acmeDb, acmeTicket.row.ticketId!);
    const atGlobex = await deliver(globexDb, globex, {
      from: "cross@customers.test",
      subject: "Re: Acme only",
      text: "to globex",
      inReplyTo: confirmation!.messageId,
      references: ["<cross-1@customers.test>"],
    });
    expect(atGlobex.outcome).toMatchObject({ status: "processed", newTicket: true });
    const acmeAfter = await ticketOf(acmeDb, acmeTicket.row.ticketId!);
    expect(acmeAfter.messages).toHaveLength(1);
    // An Acme reply address at Globex does not verify either.
    const to = replyAddress(TEST_SESSION_SECRET, acme, acmeTicket.row.ticketId!, "in.example.test").replace(acme.slug, globex.slug);
    const viaToken = await deliver(globexDb, globex, { from: "cross@customers.test", to, subject: "Token", text: "x" }, { to: [to] });
    expect(viaToken.outcome).toMatchObject({ newTicket: true });
  });

  it("records a Message-ID once", async () => {
    const mail = { from: "dup@customers.test", subject: "Twice", text: "same", messageId: "<dup-1@customers.test>" };
    const first = await deliver(acmeDb, acme, mail);
    const second = await deliver(acmeDb, acme, mail);
    expect(second.outcome).toMatchObject({ status: "duplicate", ticketId: first.row.ticketId, ticketMessageId: first.row.ticketMessageId });
    expect(second.row).toMatchObject({ status: "processed", ticketId: first.row.ticketId });
    expect((await ticketOf(acmeDb, first.row.ticketId!)).messages).toHaveLength(1);
    // The same row processed again is a no-op.
    expect(await processInboundEmail(acmeDb, options(acme), first.id)).toEqual({ status: "skipped" });
  });

  it("stores HTML only after sanitising it", async () => {
    const html = `<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script><style>p{color:red}</style>
      <a href="javascript:alert(2)">bad link</a> <a href="https://ok.test/x">good link</a> <a href="data:text/html,hi">data</a>
      <span style="display:none">HIDDEN PROMPT</span><div hidden>also hidden</div>
      <img src="https://img.test/a.png" onerror="x()"><img src="http://img.test/b.png"><img src="data:image/png;base64,AAAA"><img src="cid:logo@x">
      <iframe src="https://evil.test"></iframe><form action="https://evil.test"><input name="p"><button>Go</button></form><object data="x"></object>`;
    const { row } = await deliver(acmeDb, acme, { from: "html@customers.test", subject: "HTML", html });
    const { messages } = await ticketOf(acmeDb, row.ticketId!);
    const stored = messages[0]!.htmlBody!;
    expect(stored).toContain("<b>there</b>");
    expect(stored).toContain('href="https://ok.test/x"');
    expect(stored).toContain('src="https://img.test/a.png"');
    expect(stored).toContain('src="cid:logo@x"');
    for (const bad of [
      "<script",
      "alert(1)",
      "<style",
      "onclick",
      "onerror",
      "javascript:",
      "data:",
      "http://img.test",
      "<iframe",
      "<form",
      "<input",
      "<button",
      "<object",
      "style=",
      "<div hidden",
    ])
      expect(stored).not.toContain(bad);
    // The text body comes from the HTML.
    expect(messages[0]!.body).toContain("Hello there");
    expect(messages[0]!.body).not.toContain("alert(1)");
    // Text that was hidden is shown: nothing in the frame can be invisible to the agent.
    expect(stored).toContain("<span>HIDDEN PROMPT</span>");
  });

  it("removes NUL bytes and caps a very long body", async () => {
    const { row } = await deliver(acmeDb, acme, { from: "long@customers.test", subject: "Long\u0000subject", text: `start\u0000${"x".repeat(150_000)}` });
    const { messages, ticket } = await ticketOf(acmeDb, row.ticketId!);
    expect(messages[0]!.body).not.toContain("\u0000");
    expect(messages[0]!.body.length).toBeLessThan(101_000);
    expect(messages[0]!.body).toContain("shortened");
    expect(ticket.subject).not.toContain("\u0000");
  });

  it.each([
    ["Auto-Submitted: auto-replied", { headers: { "Auto-Submitted": "auto-replied" } }, {}],
    ["Precedence: bulk", { headers: { Precedence: "bulk" } }, {}],
    ["X-Autoreply", { headers: { "X-Autoreply": "yes" } }, {}],
    ["an empty envelope sender", {}, { from: "" }],
    ["an empty Return-Path", { headers: { "Return-Path": "<>" } }, {}],
  ])("records an automated email (%s) without any notification", async (_name, extra, envelope) => {
    const first = await deliver(acmeDb, acme, { from: "auto@customers.test", subject: "Out of office", text: "I am away", ...extra }, envelope);
    expect(first.outcome).toMatchObject({ status: "processed", automated: true, newTicket: true });
    expect(first.row.automated).toBe(true);
    expect(await outboxFor(acmeDb, first.row.ticketId!)).toEqual([]);
  });

  it("records an automated reply on an assigned ticket without notifying the assignee", async () => {
    const first = await deliver(acmeDb, acme, { from: "away@customers.test", subject: "Question", text: "q", messageId: "<away-1@customers.test>" });
    await acmeDb.db.update(acmeDb.t.tickets).set({ assigneeId: agentId }).where(eq(acmeDb.t.tickets.id, first.row.ticketId!));
    const auto = await deliver(acmeDb, acme, {
      from: "away@customers.test",
      subject: "Auto: Question",
      text: "away",
      inReplyTo: "<away-1@customers.test>",
      headers: { "Auto-Submitted": "auto-replied" },
    });
    expect(auto.row.ticketId).toBe(first.row.ticketId);
    expect(await noticesAbout(acmeDb, auto.row.ticketMessageId!)).toEqual([]);
  });

  it("does not file one of our own emails that came back", async () => {
    const first = await deliver(acmeDb, acme, { from: "echo@customers.test", subject: "Echo", text: "first" });
    const [confirmation] = await outboxFor(acmeDb, first.row.ticketId!);
    const echo = await deliver(acmeDb, acme, { from: "support@acme.test", subject: confirmation!.subject, text: "copy", messageId: confirmation!.messageId });
    expect(echo.outcome).toEqual({ status: "own-email" });
    expect(echo.row).toMatchObject({ status: "processed", ticketId: null, ticketMessageId: null });
  });

  it("marks an unreadable email failed with the reason, once", async () => {
    const id = await receive(acmeDb, Buffer.from("this is not\r\nan email at all\u0000\u0001"));
    const outcome = await processInboundEmail(acmeDb, options(acme), id);
    expect(outcome.status).toBe("failed");
    const [row] = await acmeDb.db.select().from(acmeDb.t.inboundEmails).where(eq(acmeDb.t.inboundEmails.id, id));
    expect(row).toMatchObject({ status: "failed", ticketId: null });
    expect(row!.failureReason).toMatch(/sender/);
    expect(await processInboundEmail(acmeDb, options(acme), id)).toEqual({ status: "skipped" });
  });

  it("files mail with an agent's From address as a customer message", async () => {
    const { row } = await deliver(acmeDb, acme, { from: `"Ada Agent" <${agentEmail.toUpperCase()}>`, subject: "Refund approved", text: "I approve" });
    const { messages } = await ticketOf(acmeDb, row.ticketId!);
    expect(messages[0]).toMatchObject({ authorType: "customer", authorUserId: null });
  });
});

describe("reply addresses on outbound mail", () => {
  it("confirmations and agent replies carry a Reply-To that threads back to the ticket", async () => {
    const first = await deliver(acmeDb, acme, { from: "roundtrip@customers.test", subject: "Round trip", text: "first" });
    const [confirmation] = await outboxFor(acmeDb, first.row.ticketId!);
    const sender = { name: "Acme", address: "support@acme.test" };
    const routing = { sessionSecret: TEST_SESSION_SECRET, inboundDomain: "in.example.test", tenant: acme };
    expect(outboundMessage(confirmation!, sender).replyTo).toBeUndefined();
    const message = outboundMessage(confirmation!, sender, routing);
    const replyTo = (message.replyTo as { address: string }).address;
    expect(replyTo).toBe(replyAddress(TEST_SESSION_SECRET, acme, first.row.ticketId!, "in.example.test"));
    expect(outboundMessage({ ...confirmation!, kind: "customer_reply_notice" }, sender, routing).replyTo).toBeUndefined();
    expect(outboundMessage({ ...confirmation!, ticketId: null }, sender, routing).replyTo).toBeUndefined();

    // A client that drops In-Reply-To still lands on the ticket through the address.
    const reply = await deliver(acmeDb, acme, { from: "roundtrip@customers.test", to: replyTo, subject: "new subject", text: "second" }, { to: [replyTo] });
    expect(reply.row.ticketId).toBe(first.row.ticketId);
  });
});
