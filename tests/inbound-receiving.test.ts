import { eq } from "drizzle-orm";
import { pino } from "pino";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundAddresses } from "../db/control-schema";
import { startSmtpReceiver, type SmtpReceiver } from "../app/inbound/smtp-receiver.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const DOMAIN = "in.conductor.test";
const SECRET = "inbound-test-secret-0123456789";
const platform = openTestPlatform();
let acme: TenantRecord;
let globex: TenantRecord;
let suspended: TenantRecord;
let receiver: SmtpReceiver;
let tinyReceiver: SmtpReceiver;
let server: TestServer;
let serverWithoutSecret: TestServer;
const extraAddress = `help-${Date.now()}@acme-rockets.example`;
const pendingAddress = `pending-${Date.now()}@acme-rockets.example`;

function message({ messageId, subject = "Help", body = "Hello there" }: { messageId?: string | null; subject?: string; body?: string }) {
  const lines = ["From: Wile E. Coyote <wile@desert.example>", `To: support@example.com`, `Subject: ${subject}`, "Date: Tue, 24 Nov 2026 10:00:00 +0000"];
  if (messageId) lines.push(`Message-ID: <${messageId}>`);
  return Buffer.from(`${lines.join("\r\n")}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);
}

const transportTo = (port: number) =>
  nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, tls: { rejectUnauthorized: false } });
const send = (port: number, to: string[], raw: Buffer, from = "wile@desert.example") => transportTo(port).sendMail({ envelope: { from, to }, raw });

async function storedByKey(tenant: TenantRecord, dedupeKey: string) {
  const { db, t } = platform.router.forTenant(tenant);
  return db.select().from(t.inboundEmails).where(eq(t.inboundEmails.dedupeKey, dedupeKey));
}

/**
 * The job of a stored email is queued; if another test file's worker already ran it, the row has
 * left "received" (graphile-worker deletes a job only after its task committed). Never two jobs.
 */
async function expectQueuedOnce(tenant: TenantRecord, inboundEmailId: number) {
  const jobs = await processingJobs(tenant, inboundEmailId);
  expect(jobs.length).toBeLessThanOrEqual(1);
  if (jobs.length === 1) return expect(jobs[0]).toEqual({ tenantId: tenant.id, inboundEmailId });
  const { db, t } = platform.router.forTenant(tenant);
  const [row] = await db.select({ status: t.inboundEmails.status }).from(t.inboundEmails).where(eq(t.inboundEmails.id, inboundEmailId));
  expect(row!.status).not.toBe("received");
}

async function processingJobs(tenant: TenantRecord, inboundEmailId: number) {
  const { rows } = await platform.control.pool.query<{ payload: { tenantId: string; inboundEmailId: number } }>(
    `select jobs.payload from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
     where tasks.identifier = 'process_inbound_email' and jobs.payload->>'tenantId' = $1 and (jobs.payload->>'inboundEmailId')::bigint = $2`,
    [tenant.id, inboundEmailId],
  );
  return rows.map((row) => row.payload);
}

/** Speaks SMTP line by line: one command, one (possibly multi-line) reply; returns the last line of each reply after the greeting. */
async function rawSmtp(port: number, commands: string[]): Promise<string[]> {
  const { connect } = await import("node:net");
  const socket = connect(port, "127.0.0.1");
  let buffer = "";
  const waiters: Array<(line: string) => void> = [];
  socket.on("data", (chunk) => {
    buffer += chunk.toString();
    let end;
    while ((end = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^\d{3} /.test(line)) waiters.shift()?.(line);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiters.push(resolve));
  await reply();
  const replies: string[] = [];
  for (const command of commands) {
    const next = reply();
    socket.write(`${command}\r\n`);
    replies.push(await next);
  }
  socket.end();
  return replies;
}

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2)}@desert.example`;

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  suspended = await createTestTenant(platform);
  await platform.control.pool.query("update control.tenants set status = 'suspended' where id = $1", [suspended.id]);
  await platform.control.db
    .insert(inboundAddresses)
    .values({ address: extraAddress.toLowerCase(), tenantId: acme.id, status: "verified", verifiedAt: new Date() });
  await platform.control.db.insert(inboundAddresses).values({ address: pendingAddress, tenantId: acme.id, status: "pending" });
  const logger = pino({ level: "silent" });
  receiver = await startSmtpReceiver({ platform, settings: { domain: DOMAIN, maxBytes: 1024 * 1024, smtpHost: "127.0.0.1", smtpPort: 0 }, logger });
  tinyReceiver = await startSmtpReceiver({ platform, settings: { domain: DOMAIN, maxBytes: 2048, smtpHost: "127.0.0.1", smtpPort: 0 }, logger });
  server = await startTestServer(platform, { env: { INBOUND_SECRET: SECRET, INBOUND_MAX_BYTES: "4096" } });
  serverWithoutSecret = await startTestServer(platform);
});

afterAll(async () => {
  await Promise.all([receiver?.stop(), tinyReceiver?.stop(), server?.close(), serverWithoutSecret?.close()]);
  await platform.control.db.delete(inboundAddresses).where(eq(inboundAddresses.tenantId, acme.id));
  await platform.close();
});

describe("SMTP receiver", () => {
  it("stores an accepted message once per recipient tenant before it says 250, with its processing job", async () => {
    const id = `${Math.random().toString(36).slice(2)}@desert.example`;
    const info = await send(
      receiver.port,
      [`support@${acme.slug}.${DOMAIN}`, `Sales@${acme.slug.toUpperCase()}.${DOMAIN}`, `${globex.slug}+tok3n@${DOMAIN}`],
      message({ messageId: id }),
    );
    expect(info.response).toMatch(/^250/);
    // The 250 has come back: the rows must already be committed.
    const [atAcme] = await storedByKey(acme, `<${id}>`);
    const [atGlobex] = await storedByKey(globex, `<${id}>`);
    expect(atAcme).toMatchObject({
      receivedVia: "smtp",
      status: "received",
      envelopeFrom: "wile@desert.example",
      envelopeTo: [`support@${acme.slug}.${DOMAIN}`, `Sales@${acme.slug}.${DOMAIN}`],
    });
    expect(atAcme!.raw.toString()).toContain("Hello there");
    expect(atAcme!.sizeBytes).toBe(atAcme!.raw.length);
    // The reply token stays in the stored envelope, for processing to verify.
    expect(atGlobex!.envelopeTo).toEqual([`${globex.slug}+tok3n@${DOMAIN}`]);
    await expectQueuedOnce(acme, atAcme!.id);
    await expectQueuedOnce(globex, atGlobex!.id);
  });

  it("accepts mail for an extra support address, case-insensitively", async () => {
    const id = `${Math.random().toString(36).slice(2)}@desert.example`;
    await send(receiver.port, [extraAddress.toUpperCase()], message({ messageId: id }));
    expect(await storedByKey(acme, `<${id}>`)).toHaveLength(1);
  });

  it("refuses recipients that route nowhere (or to an unconfirmed address) at RCPT with 550, keeping the good ones", async () => {
    for (const to of [
      pendingAddress,
      `support@no-such-tenant.${DOMAIN}`,
      `support@${suspended.slug}.${DOMAIN}`,
      `${acme.slug}@${DOMAIN}`,
      "someone@elsewhere.example",
      `x@a.${acme.slug}.${DOMAIN}`,
    ]) {
      const error = await send(receiver.port, [to], message({ messageId: unique("refused") })).then(
        () => null,
        (caught: { responseCode?: number }) => caught,
      );
      expect(error?.responseCode, to).toBe(550);
    }
    const id = `${Math.random().toString(36).slice(2)}@desert.example`;
    const info = await send(receiver.port, [`nobody@nowhere-${acme.slug}.example`, `support@${acme.slug}.${DOMAIN}`], message({ messageId: id }));
    expect(info.rejected).toEqual([`nobody@nowhere-${acme.slug}.example`]);
    expect((await storedByKey(acme, `<${id}>`))[0]!.envelopeTo).toEqual([`support@${acme.slug}.${DOMAIN}`]);
  });

  it("refuses a message over the size limit with 552 and stores nothing", async () => {
    const id = `${Math.random().toString(36).slice(2)}@desert.example`;
    const error = await send(tinyReceiver.port, [`support@${acme.slug}.${DOMAIN}`], message({ messageId: id, body: "x".repeat(5000) })).then(
      () => null,
      (caught: { responseCode?: number }) => caught,
    );
    expect(error?.responseCode).toBe(552);
    expect(await storedByKey(acme, `<${id}>`)).toHaveLength(0);
  });

  it("refuses oversize DATA with 552 even when the client did not declare SIZE", async () => {
    const id = `${Math.random().toString(36).slice(2)}@desert.example`;
    const replies = await rawSmtp(tinyReceiver.port, [
      "EHLO client.example",
      "MAIL FROM:<wile@desert.example>",
      `RCPT TO:<support@${acme.slug}.${DOMAIN}>`,
      "DATA",
      `${message({ messageId: id, body: "y".repeat(5000) }).toString()}\r\n.`,
      "QUIT",
    ]);
    expect(replies[3]).toMatch(/^354/);
    expect(replies[4]).toMatch(/^552/);
    expect(await storedByKey(acme, `<${id}>`)).toHaveLength(0);
  });

  it("answers 451 when a tenant's copy cannot be stored, and the sender's retry stores it once", async () => {
    const broken = await createTestTenant(platform);
    const id = `${Math.random().toString(36).slice(2)}@desert.example`;
    const recipients = [`support@${acme.slug}.${DOMAIN}`, `support@${broken.slug}.${DOMAIN}`];
    await platform.control.pool.query(`alter table "${broken.schemaName}".inbound_emails rename to inbound_emails_away`);
    const error = await send(receiver.port, recipients, message({ messageId: id })).then(
      () => null,
      (caught: { responseCode?: number }) => caught,
    );
    await platform.control.pool.query(`alter table "${broken.schemaName}".inbound_emails_away rename to inbound_emails`);
    expect(error?.responseCode).toBe(451);
    await send(receiver.port, recipients, message({ messageId: id }));
    expect(await storedByKey(acme, `<${id}>`)).toHaveLength(1);
    expect(await storedByKey(broken, `<${id}>`)).toHaveLength(1);
  });

  it("stores a duplicate delivery once: same Message-ID, or same bytes without one", async () => {
    const id = `${Math.random().toString(36).slice(2)}@desert.example`;
    await send(receiver.port, [`support@${acme.slug}.${DOMAIN}`], message({ messageId: id }));
    await send(receiver.port, [`support@${acme.slug}.${DOMAIN}`], message({ messageId: id, body: "Resent with another body" }));
    const [first, ...others] = await storedByKey(acme, `<${id}>`);
    expect(others).toHaveLength(0);
    await expectQueuedOnce(acme, first!.id);

    const anonymous = message({ messageId: null, body: `No id ${Math.random()}` });
    await send(receiver.port, [`support@${acme.slug}.${DOMAIN}`], anonymous);
    await send(receiver.port, [`support@${acme.slug}.${DOMAIN}`], anonymous);
    const { createHash } = await import("node:crypto");
    const rows = await storedByKey(acme, `sha256:${createHash("sha256").update(anonymous).digest("hex")}`);
    expect(rows).toHaveLength(1);
  });
});

describe("POST /inbound/email", () => {
  const post = (target: TestServer, body: Buffer | string, headers: Record<string, string> = {}, tenant = acme) =>
    target.request(`${tenant.slug}.localhost`, "/inbound/email", {
      method: "POST",
      body: body as unknown as BodyInit,
      headers: { "content-type": "message/rfc822", ...headers },
    });
  const bearer = { authorization: `Bearer ${SECRET}` };

  it("is off (404) without INBOUND_SECRET, and refuses a missing or wrong secret with 401", async () => {
    expect((await post(serverWithoutSecret, message({ messageId: unique("off") }), bearer)).status).toBe(404);
    expect((await post(server, message({ messageId: unique("none") }))).status).toBe(401);
    expect((await post(server, message({ messageId: unique("wrong") }), { authorization: `Bearer ${SECRET}x` })).status).toBe(401);
    expect((await post(server, message({ messageId: unique("wrong") }), { authorization: SECRET })).status).toBe(401);
  });

  it("refuses an empty body (400) and one over INBOUND_MAX_BYTES (413)", async () => {
    expect((await post(server, "", bearer)).status).toBe(400);
    const id = unique("big");
    const response = await post(server, message({ messageId: id, body: "x".repeat(5000) }), bearer);
    expect(response.status).toBe(413);
    expect(await storedByKey(acme, `<${id}>`)).toHaveLength(0);
  });

  it("stores the message in the Host's tenant, answers 202 after the commit, and dedupes a resend", async () => {
    const id = unique("http");
    const first = await post(server, message({ messageId: id }), { ...bearer, "content-type": "application/octet-stream" });
    expect(first.status).toBe(202);
    const body = (await first.json()) as { id: number; duplicate: boolean };
    expect(body.duplicate).toBe(false);
    const [row] = await storedByKey(acme, `<${id}>`);
    expect(row).toMatchObject({ id: body.id, receivedVia: "http", status: "received" });
    expect(await storedByKey(globex, `<${id}>`)).toHaveLength(0);

    const again = await post(server, message({ messageId: id }), bearer);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id: body.id, duplicate: true });
  });

  it("loses nothing when the process dies between storing and processing: the row and its job are committed", async () => {
    const id = unique("crash");
    const response = await post(server, message({ messageId: id }), bearer);
    const { id: inboundEmailId } = (await response.json()) as { id: number };
    // No worker runs in this file; a restarted worker finds exactly this: the raw row, still "received", and its job.
    const [row] = await storedByKey(acme, `<${id}>`);
    expect(row).toMatchObject({ id: inboundEmailId, receivedVia: "http" });
    expect(row!.raw.equals(message({ messageId: id }))).toBe(true);
    await expectQueuedOnce(acme, inboundEmailId);
  });
});
