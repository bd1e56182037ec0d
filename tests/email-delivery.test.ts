import { eq, sql } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmailWorker, type EmailWorker } from "../app/email/email-worker.server";
import { storeInboundEmail } from "../app/inbound/inbound-store.server";
import { TEST_SESSION_SECRET } from "./support/test-server";
import { createMailTransport, type MailTransport } from "../app/email/mail-transport.server";
import { queueLoginCode, queueTicketConfirmation } from "../app/email/notifications.server";
import { sendEmailTask } from "../app/email/send-email-task.server";
import { addMessage, createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { startSmtpSink, type Delivery, type SmtpSink } from "./support/smtp-sink";
import { createTestTenant, openTestPlatform, testDatabaseUrl } from "./support/test-platform";

// The only test file that runs a worker: test files share one job queue, and two workers with
// different transports would take each other's jobs. Assertions look only at this file's recipients.
const platform = openTestPlatform();
const FROM = "support@conductor.test";
const silent = pino({ level: "silent" });
let sink: SmtpSink;
let tenant: TenantRecord;
let handle: TenantHandle;
let origin: string;
let agentId: number;
let worker: EmailWorker | null = null;

function startWorker(transport: MailTransport = createMailTransport(sink.url), { inbound = false, slaAlerts = false } = {}) {
  return startEmailWorker({
    platform,
    shards: [{ id: "main", url: testDatabaseUrl() }],
    transport,
    fromAddress: FROM,
    concurrency: 2,
    pollIntervalMs: 100,
    logger: silent,
    // Only this file runs a worker (test files share one job queue); inbound processing joins it here.
    ...(inbound ? { inbound: { sessionSecret: TEST_SESSION_SECRET, originFor: ({ slug }: { slug: string }) => `http://${slug}.localhost` } } : {}),
    ...(slaAlerts ? { slaAlerts: { originFor: ({ slug }: { slug: string }) => `http://${slug}.localhost` } } : {}),
  });
}

async function stopWorker() {
  await worker?.stop();
  worker = null;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  tenant = await createTestTenant(platform, { name: "Acme Support" });
  handle = platform.router.forTenant(tenant);
  origin = `http://${tenant.slug}.localhost`;
  agentId = (await createMember(platform, tenant, { email: `ann@${tenant.slug}.test`, name: "Ann Agent" })).id;
  worker = await startWorker();
});
afterAll(async () => {
  await stopWorker();
  await sink.stop();
  await platform.close();
});

const address = (local: string) => `${local}@${tenant.slug}.test`;

async function newTicket(customer: { name: string; email: string }, subject: string) {
  const ticket = await createTicket(handle, { type: "agent", userId: agentId }, { customer, subject, message: "First words", channel: "portal" });
  await handle.transaction((tx) => queueTicketConfirmation({ tx, handle, origin }, { customer, ticket: { id: ticket.id, number: ticket.number, subject } }));
  return ticket;
}

async function queueCode(email: string) {
  return handle.transaction((tx) =>
    queueLoginCode(
      { tx, handle, origin },
      { customer: { name: "Code Person", email }, code: "123456", link: `${origin}/portal/login/abc`, expiresInMinutes: 10 },
    ),
  );
}

const outboxRow = async (id: number) => (await handle.db.select().from(handle.t.outboundEmails).where(eq(handle.t.outboundEmails.id, id)))[0]!;

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function sendJobsFor(emailId: number) {
  const { rows } = await handle.db.execute<{ id: string; attempts: number; locked_at: Date | null }>(sql`
    select jobs.id, jobs.attempts, jobs.locked_at from graphile_worker._private_jobs jobs
    join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
    where tasks.identifier = 'send_email' and jobs.payload->>'tenantId' = ${tenant.id} and (jobs.payload->>'emailId')::bigint = ${emailId}`);
  return rows;
}

/** Header names of the raw message (folded continuation lines belong to the header above them). */
function headerNames(delivery: Delivery): string[] {
  const head = delivery.raw.split(/\r?\n\r?\n/)[0]!;
  return head
    .split(/\r?\n/)
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(":")).toLowerCase());
}

describe("delivery over SMTP", () => {
  it("sends to the one recipient from the workspace, with a Message-ID, threading across a ticket's emails and both parts", async () => {
    const customer = { name: "Grace Hopper", email: address("grace") };
    const ticket = await newTicket(customer, "Printer <b>on fire</b>");
    await addMessage(handle, { type: "agent", userId: agentId }, ticket.number, { body: "We are on it.\n<script>alert(1)</script>" }, { origin });

    const delivered = await sink.waitForDeliveries(customer.email, 2);
    const rows = await handle.db
      .select()
      .from(handle.t.outboundEmails)
      .where(eq(handle.t.outboundEmails.ticketId, ticket.id))
      .orderBy(handle.t.outboundEmails.id);
    expect(rows.map((row) => row.kind)).toEqual(["ticket_confirmation", "agent_reply"]);
    // Two workers may send them in either order; the headers, not the arrival, make the thread.
    const [confirmation, reply] = rows.map((row) => delivered.find((delivery) => delivery.mail.messageId === row.messageId));

    for (const [delivery, row] of [
      [confirmation!, rows[0]!],
      [reply!, rows[1]!],
    ] as const) {
      expect(delivery.envelope).toEqual({ from: FROM, to: [customer.email] });
      expect(delivery.mail.from?.value).toEqual([{ name: "Acme Support", address: FROM }]);
      expect(delivery.mail.to).toMatchObject({ value: [{ name: "Grace Hopper", address: customer.email }] });
      expect(delivery.mail.cc).toBeUndefined();
      expect(delivery.mail.bcc).toBeUndefined();
      expect(delivery.mail.messageId).toBe(row.messageId);
      expect(row.messageId).toMatch(new RegExp(`^<[0-9a-f-]{36}@${tenant.slug}\\.localhost>$`));
    }
    expect(confirmation!.mail.subject).toBe(`[#${ticket.number}] We received your request: Printer <b>on fire</b>`);
    expect(confirmation!.mail.inReplyTo).toBeUndefined();
    // robots must not answer robots (RFC 3834); a person's reply is not marked
    expect(confirmation!.mail.headers.get("auto-submitted")).toBe("auto-replied");
    expect(reply!.mail.headers.get("auto-submitted")).toBeUndefined();
    expect(reply!.mail.subject).toBe(`Re: [#${ticket.number}] Printer <b>on fire</b>`);
    expect(reply!.mail.inReplyTo).toBe(confirmation!.mail.messageId);
    expect([reply!.mail.references].flat()).toEqual([confirmation!.mail.messageId]);

    // Both parts, and every ticket field escaped in the HTML one.
    expect(reply!.mail.text).toContain("Ann Agent replied to your request");
    expect(reply!.mail.text).toContain("> We are on it.\n> <script>alert(1)</script>");
    expect(reply!.mail.text).toContain(`${origin}/portal/tickets/${ticket.number}`);
    expect(reply!.mail.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(reply!.mail.html).not.toContain("<script>");
    expect(reply!.mail.html).toContain(`href="${origin}/portal/tickets/${ticket.number}"`);
    expect(confirmation!.mail.html).toContain("Printer &lt;b&gt;on fire&lt;/b&gt;");

    const sent = await waitFor(
      () => Promise.all(rows.map((row) => outboxRow(row.id))),
      (current) => current.every((row) => row.status === "sent"),
    );
    for (const row of sent) expect(row).toMatchObject({ status: "sent", attempts: 1, lastError: null, sentAt: expect.any(Date) });
  });

  it("a CR/LF in a customer name, a ticket subject or the workspace name adds no header and no recipient", async () => {
    const victim = "stolen@evil.test";
    const customer = { name: `Eve\r\nBcc: ${victim}`, email: address("eve") };
    const ticket = await newTicket(customer, `Refund\r\nBcc: ${victim}\r\nX-Injected: yes\r\n\r\n<h1>body</h1>`);
    await addMessage(handle, { type: "agent", userId: agentId }, ticket.number, { body: "Hello" }, { origin });

    // A row written before queue-time cleaning existed, and a workspace name with a line break: cleaned again when sent.
    const evilTenant = await createTestTenant(platform, { name: `Evil\r\nBcc: ${victim}` });
    const evil = platform.router.forTenant(evilTenant);
    await evil.transaction(async (tx) => {
      const [row] = await tx
        .insert(evil.t.outboundEmails)
        .values({
          kind: "login_code",
          toAddress: address("old-row"),
          toName: `Old\nCc: ${victim}`,
          subject: `Code\r\nBcc: ${victim}`,
          textBody: "1",
          htmlBody: "<p>1</p>",
          messageId: `<old-row@${evilTenant.slug}.localhost>`,
        })
        .returning({ id: evil.t.outboundEmails.id });
      await tx.execute(sql`select graphile_worker.add_job('send_email', ${JSON.stringify({ tenantId: evilTenant.id, emailId: row!.id })}::json)`);
    });

    const deliveries = [...(await sink.waitForDeliveries(customer.email, 2)), ...(await sink.waitForDeliveries(address("old-row"), 1))];
    const expected = ["from", "to", "subject", "message-id", "date", "mime-version", "content-type", "in-reply-to", "references", "auto-submitted"];
    for (const delivery of deliveries) {
      expect(delivery.envelope.to).toHaveLength(1);
      expect(headerNames(delivery).every((name) => expected.includes(name))).toBe(true);
      expect(delivery.mail.headers.has("bcc") || delivery.mail.headers.has("cc") || delivery.mail.headers.has("x-injected")).toBe(false);
      expect(delivery.mail.to).toMatchObject({ value: [{ address: delivery.envelope.to[0] }] });
      expect(delivery.mail.subject).not.toMatch(/[\r\n]/);
    }
    const headerBlock = (delivery: Delivery) => delivery.raw.split(/\r?\n\r?\n/)[0]!;
    expect(sink.deliveries.some((delivery) => delivery.envelope.to.includes(victim) || /\n(Bcc|Cc|X-Injected):/i.test(headerBlock(delivery)))).toBe(false);
    expect(deliveries[0]!.mail.to).toMatchObject({ value: [{ name: `Eve Bcc: ${victim}`, address: customer.email }] });
    expect(deliveries[0]!.mail.subject).toBe(`[#${ticket.number}] We received your request: Refund Bcc: ${victim} X-Injected: yes <h1>body</h1>`);
    expect(deliveries[2]!.mail.from?.value).toEqual([{ name: `Evil Bcc: ${victim}`, address: FROM }]);
    expect(deliveries[2]!.mail.subject).toBe(`Code Bcc: ${victim}`);
  });
});

describe("when the SMTP server is down", () => {
  it("keeps the email pending with its attempts recorded, and sends it exactly once when the server is back", async () => {
    await sink.stop();
    const to = address("outage");
    const { id } = await queueCode(to);
    const failed = await waitFor(
      () => outboxRow(id),
      (row) => row.attempts >= 1,
    );
    expect(failed).toMatchObject({ status: "pending", attempts: 1, sentAt: null, lastError: expect.stringMatching(/ECONNREFUSED|connect/i) });
    expect(await sendJobsFor(id)).toMatchObject([{ attempts: 1 }]);

    // graphile-worker retries after exp(1) ≈ 2.7 s.
    await sink.start();
    await sink.waitForDeliveries(to, 1, 20_000);
    const sent = await waitFor(
      () => outboxRow(id),
      (row) => row.status === "sent",
    );
    expect(sent).toMatchObject({ attempts: 2, sentAt: expect.any(Date) });
    await waitFor(
      () => sendJobsFor(id),
      (jobs) => jobs.length === 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(sink.deliveredTo(to)).toHaveLength(1);
  }, 40_000);
});

describe("worker restarts", () => {
  it("an email queued while no worker runs is sent, once, by the next one", async () => {
    await stopWorker();
    const to = address("restart");
    const { id } = await queueCode(to);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sendJobsFor(id)).toHaveLength(1);
    expect((await outboxRow(id)).status).toBe("pending");

    worker = await startWorker();
    await sink.waitForDeliveries(to, 1);
    await waitFor(
      () => outboxRow(id),
      (row) => row.status === "sent",
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sink.deliveredTo(to)).toHaveLength(1);
  });

  it("stopping lets the email being sent finish, and the next worker does not send it again", async () => {
    await stopWorker();
    const slowSink = await startSmtpSink({ delayMs: 1500 });
    try {
      worker = await startWorker(createMailTransport(slowSink.url));
      const to = address("mid-send");
      const { id } = await queueCode(to);
      await waitFor(
        () => sendJobsFor(id),
        (jobs) => jobs[0]?.locked_at != null,
      );
      await stopWorker();
      expect(slowSink.deliveredTo(to)).toHaveLength(1);
      expect(await outboxRow(id)).toMatchObject({ status: "sent", attempts: 1 });
      expect(await sendJobsFor(id)).toHaveLength(0);

      worker = await startWorker();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(slowSink.deliveredTo(to).length + sink.deliveredTo(to).length).toBe(1);
    } finally {
      await slowSink.stop();
    }
  });
});

describe("inbound email through the worker", () => {
  it("stored while no worker runs, delivered twice, and a worker restart in between: exactly one ticket message", async () => {
    await stopWorker();
    const messageId = `<restart-${Date.now()}@customers.test>`;
    const raw = Buffer.from(
      `From: Rita Restart <rita@customers.test>\r\nTo: support@${tenant.slug}.in.test\r\nSubject: Crash test\r\nMessage-ID: ${messageId}\r\n\r\nDid this survive?\r\n`,
    );
    const envelope = { via: "smtp" as const, envelopeFrom: "rita@customers.test", envelopeTo: [`support@${tenant.slug}.in.test`] };
    const first = await storeInboundEmail(platform, tenant, { raw, ...envelope });
    // the receiver's process dies here: the row and its job are committed, nothing parsed them yet
    const second = await storeInboundEmail(platform, tenant, { raw, ...envelope });
    expect(second).toMatchObject({ id: first.id, duplicate: true });

    worker = await startWorker(undefined, { inbound: true });
    const { t } = handle;
    await waitFor(
      async () => (await handle.db.select({ status: t.inboundEmails.status }).from(t.inboundEmails).where(eq(t.inboundEmails.id, first.id)))[0]!,
      (row) => row.status === "processed",
    );
    await stopWorker();
    worker = await startWorker(undefined, { inbound: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const messages = await handle.db.select({ body: t.ticketMessages.body }).from(t.ticketMessages).where(eq(t.ticketMessages.emailMessageId, messageId));
    expect(messages).toEqual([{ body: "Did this survive?" }]);
    await stopWorker();
    worker = await startWorker();
  });
});

describe("SLA alerts", () => {
  it("the worker runs the sla_alert_scan task: an overdue ticket's breach is recorded and its assignee gets the email", async () => {
    const { t } = handle;
    await handle.db
      .insert(t.slaPolicies)
      .values({ name: "Delivery SLA", position: 1, conditions: { tags: ["sla-delivery"] }, targets: { normal: { firstReply: 60 } } });
    const ticket = await createTicket(
      handle,
      { type: "agent", userId: agentId },
      {
        customer: { name: "Late Larry", email: address("larry") },
        subject: "Waiting too long",
        message: "Hello?",
        channel: "email",
        tags: ["sla-delivery"],
        assigneeId: agentId,
      },
    );
    // As if it had arrived two hours ago: the history moves back, the job finds it due.
    await handle.db.execute(sql`update ${t.ticketSlaEvents} set at = at - interval '2 hours' where ticket_id = ${ticket.id}`);
    await handle.db.execute(sql`update ${t.ticketSlas} set next_alert_at = now() - interval '1 minute' where ticket_id = ${ticket.id}`);

    await stopWorker();
    worker = await startWorker(undefined, { slaAlerts: true });
    // The cron item fires on the minute; the same task, queued now, shows the runner has it.
    await handle.db.execute(sql`select graphile_worker.add_job('sla_alert_scan', '{}'::json)`);
    const [delivery] = await sink.waitForDeliveries(address("ann"), 1);
    expect(delivery!.mail.subject).toBe(`[#${ticket.number}] SLA breached: Waiting too long`);
    expect(delivery!.mail.text).toMatch(/SLA breached: first reply, \d+ h( \d+ min)? late/);
    const alerts = await handle.db.select({ kind: t.ticketSlaAlerts.kind }).from(t.ticketSlaAlerts).where(eq(t.ticketSlaAlerts.ticketId, ticket.id));
    expect(alerts).toEqual([{ kind: "breach" }]);
    await stopWorker();
    worker = await startWorker();
  });
});

describe("without SMTP_URL", () => {
  it("the worker delivers to the development mailbox: the row is marked sent and nothing goes over SMTP", async () => {
    await stopWorker();
    worker = await startWorker(createMailTransport(undefined));
    const to = address("dev-mailbox");
    const { id } = await queueCode(to);
    expect(
      await waitFor(
        () => outboxRow(id),
        (row) => row.status === "sent",
      ),
    ).toMatchObject({ attempts: 1, sentAt: expect.any(Date) });
    expect(sink.deliveredTo(to)).toHaveLength(0);
    await stopWorker();
    worker = await startWorker();
  });
});

describe("the send_email task", () => {
  // Called directly on rows written without a job, so the running worker never sees them.
  const insertRow = async (to: string, values: Partial<typeof handle.t.outboundEmails.$inferInsert> = {}) =>
    (
      await handle.db
        .insert(handle.t.outboundEmails)
        .values({
          kind: "login_code",
          toAddress: to,
          subject: "Direct",
          textBody: "text",
          htmlBody: "<p>html</p>",
          messageId: `<${Math.random()}@direct.test>`,
          ...values,
        })
        .returning({ id: handle.t.outboundEmails.id })
    )[0]!.id;
  const helpers = (attempts: number, maxAttempts = 25) => ({ job: { id: "1", attempts, max_attempts: maxAttempts } }) as unknown as JobHelpers;
  const countingTransport = (fail = false) => {
    const sends: unknown[] = [];
    const transport: MailTransport = {
      kind: "smtp",
      send: async (message) => {
        sends.push(message);
        if (fail) throw new Error("421 try again later");
      },
      close: () => {},
    };
    return { sends, transport };
  };

  it("does nothing for a row already sent (a retried job) and records a failure for the next attempt", async () => {
    const { sends, transport } = countingTransport();
    const task = sendEmailTask({ platform, transport, fromAddress: FROM, log: silent });
    const sentId = await insertRow(address("direct-sent"), { status: "sent", sentAt: new Date(), attempts: 1 });
    await task({ tenantId: tenant.id, emailId: sentId }, helpers(2));
    expect(sends).toHaveLength(0);

    const failing = countingTransport(true);
    const failingTask = sendEmailTask({ platform, transport: failing.transport, fromAddress: FROM, log: silent });
    const pendingId = await insertRow(address("direct-retry"));
    await expect(failingTask({ tenantId: tenant.id, emailId: pendingId }, helpers(1))).rejects.toThrow("421 try again later");
    expect(await outboxRow(pendingId)).toMatchObject({ status: "pending", attempts: 1, lastError: "421 try again later" });
  });

  it("marks the row failed after the last attempt", async () => {
    const { transport } = countingTransport(true);
    const task = sendEmailTask({ platform, transport, fromAddress: FROM, log: silent });
    const id = await insertRow(address("direct-failed"), { attempts: 24 });
    await expect(task({ tenantId: tenant.id, emailId: id }, helpers(25))).rejects.toThrow();
    expect(await outboxRow(id)).toMatchObject({ status: "failed", attempts: 25, sentAt: null });
  });

  it("drops the job of a tenant that no longer exists", async () => {
    const { sends, transport } = countingTransport();
    const task = sendEmailTask({ platform, transport, fromAddress: FROM, log: silent });
    await task({ tenantId: "no-such-tenant", emailId: 1 }, helpers(1));
    await task({ nonsense: true }, helpers(1));
    expect(sends).toHaveLength(0);
  });
});
