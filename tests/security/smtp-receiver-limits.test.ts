import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { eq } from "drizzle-orm";
import nodemailer from "nodemailer";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientKey } from "../../app/net/client-address.server";
import { startSmtpReceiver, type SmtpReceiver } from "../../app/inbound/smtp-receiver.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { createTestTenant, openTestPlatform } from "../support/test-platform";

const DOMAIN = "in.limits.test";
const MAX_MESSAGE_BYTES = 64 * 1024;
const LIMITS = { maxConnectionsPerClient: 2, maxBytesInFlight: 96 * 1024 };
const platform = openTestPlatform();
let tenant: TenantRecord;
let receiver: SmtpReceiver;

/** An SMTP client that speaks line by line, so a test can hold a connection or a message half-sent. */
class RawSmtp {
  private buffer = "";
  private readonly replies: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("latin1");
      let end;
      while ((end = this.buffer.indexOf("\r\n")) >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (line[3] !== " ") continue; // a continuation line of a multi-line reply
        if (this.waiting) {
          const resolve = this.waiting;
          this.waiting = null;
          resolve(line);
        } else this.replies.push(line);
      }
    });
    this.closed = new Promise((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => undefined);
  }

  /** Connects and returns the client with the server's first reply (its greeting or its refusal). */
  static async open(host: string, port: number): Promise<{ client: RawSmtp; greeting: string }> {
    const client = new RawSmtp(connect(port, host));
    return { client, greeting: await client.reply() };
  }

  reply(): Promise<string> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  write(data: string): void {
    this.socket.write(data);
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

function message(messageId: string, bodyBytes: number): string {
  const body = `${"x".repeat(76)}\r\n`.repeat(Math.ceil(bodyBytes / 78));
  return `From: Sender <sender@limits.test>\r\nTo: support@example.test\r\nSubject: Limits\r\nMessage-ID: <${messageId}>\r\n\r\n${body}`;
}

const uniqueId = (label: string) => `${label}-${Math.random().toString(36).slice(2)}@limits.test`;

async function storedCount(messageId: string): Promise<number> {
  const { db, t } = platform.router.forTenant(tenant);
  return (
    await db
      .select({ id: t.inboundEmails.id })
      .from(t.inboundEmails)
      .where(eq(t.inboundEmails.dedupeKey, `<${messageId}>`))
  ).length;
}

async function send(raw: string): Promise<number> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: receiver.port, secure: false, ignoreTLS: true });
  return transport.sendMail({ envelope: { from: "sender@limits.test", to: [`support@${tenant.slug}.${DOMAIN}`] }, raw }).then(
    (info) => Number(info.response.slice(0, 3)),
    (error: { responseCode?: number }) => error.responseCode ?? 0,
  );
}

beforeAll(async () => {
  tenant = await createTestTenant(platform);
  // "::" takes IPv4 clients too (as ::ffff:127.0.0.1), so one receiver sees two different client addresses.
  receiver = await startSmtpReceiver({
    platform,
    settings: { domain: DOMAIN, maxBytes: MAX_MESSAGE_BYTES, smtpHost: "::", smtpPort: 0 },
    limits: LIMITS,
    logger: pino({ level: "silent" }),
  });
});

afterAll(async () => {
  await receiver?.stop();
  await platform.close();
});

describe("hole 8: the SMTP receiver caps connections per client and the bytes it holds", () => {
  it("refuses a client's connection past its cap with 421, counts an IPv6 client by its /64, and admits it again once one closes", async () => {
    const first = await RawSmtp.open("127.0.0.1", receiver.port);
    const second = await RawSmtp.open("127.0.0.1", receiver.port);
    expect([first.greeting, second.greeting].map((line) => line.slice(0, 3))).toEqual(["220", "220"]);

    const third = await RawSmtp.open("127.0.0.1", receiver.port);
    expect(third.greeting).toMatch(/^421 /);
    await third.client.closed;

    // Another client address is not affected.
    const fromIpv6 = await RawSmtp.open("::1", receiver.port);
    expect(fromIpv6.greeting).toMatch(/^220 /);
    // Addresses of one /64 are one client; the IPv4-mapped form is the IPv4 client.
    expect(clientKey("2001:db8:1:2::5")).toBe(clientKey("2001:db8:1:2:ffff:ffff:ffff:1"));
    expect(clientKey("::ffff:127.0.0.1")).toBe(clientKey("127.0.0.1"));

    await first.client.close();
    await sleep(50); // the server sees the close
    const again = await RawSmtp.open("127.0.0.1", receiver.port);
    expect(again.greeting).toMatch(/^220 /);
    await Promise.all([second.client.close(), again.client.close(), fromIpv6.client.close()]);
  });

  it("refuses mail with 452 while messages being received hold the byte budget, and takes it once they are stored", async () => {
    const heldId = uniqueId("held");
    const { client: holder } = await RawSmtp.open("127.0.0.1", receiver.port);
    expect(await holder.command("EHLO holder.limits.test")).toMatch(/^250 /);
    expect(await holder.command("MAIL FROM:<sender@limits.test>")).toMatch(/^250 /);
    expect(await holder.command(`RCPT TO:<support@${tenant.slug}.${DOMAIN}>`)).toMatch(/^250 /);
    expect(await holder.command("DATA")).toMatch(/^354 /);
    const held = message(heldId, 60 * 1024);
    holder.write(held);
    // smtp-server may keep the last few bytes back while it looks for the end of the data.
    const arrived = () => receiver.bytesInFlight() >= 60 * 1024;
    for (const deadline = Date.now() + 10_000; !arrived() && Date.now() < deadline;) await sleep(20);
    expect(arrived()).toBe(true);

    // 40 KB more would pass the 96 KB budget: refused for now, and not stored.
    const refusedId = uniqueId("refused");
    expect(await send(message(refusedId, 40 * 1024))).toBe(452);
    expect(await storedCount(refusedId)).toBe(0);
    // What still fits is taken.
    const smallId = uniqueId("small");
    expect(await send(message(smallId, 1024))).toBe(250);

    holder.write("\r\n.\r\n");
    expect(await holder.reply()).toMatch(/^250 /);
    expect(await storedCount(heldId)).toBe(1);
    expect(receiver.bytesInFlight()).toBe(0);
    await holder.close();

    // The sender's retry gets through.
    expect(await send(message(refusedId, 40 * 1024))).toBe(250);
    expect(await storedCount(refusedId)).toBe(1);
    expect(receiver.bytesInFlight()).toBe(0);
  });

  it("gives the budget back when a client leaves in the middle of a message", async () => {
    const { client } = await RawSmtp.open("127.0.0.1", receiver.port);
    await client.command("EHLO leaver.limits.test");
    await client.command("MAIL FROM:<sender@limits.test>");
    await client.command(`RCPT TO:<support@${tenant.slug}.${DOMAIN}>`);
    await client.command("DATA");
    client.write(message(uniqueId("left"), 30 * 1024));
    for (const deadline = Date.now() + 10_000; receiver.bytesInFlight() === 0 && Date.now() < deadline;) await sleep(20);
    expect(receiver.bytesInFlight()).toBeGreaterThan(0);
    await client.close();
    for (const deadline = Date.now() + 10_000; receiver.bytesInFlight() > 0 && Date.now() < deadline;) await sleep(20);
    expect(receiver.bytesInFlight()).toBe(0);
  });

  it("will not start with a byte budget smaller than the largest message", async () => {
    await expect(
      startSmtpReceiver({
        platform,
        settings: { domain: DOMAIN, maxBytes: 1024 * 1024, smtpHost: "127.0.0.1", smtpPort: 0 },
        limits: { maxConnectionsPerClient: 5, maxBytesInFlight: 512 * 1024 },
        logger: pino({ level: "silent" }),
      }),
    ).rejects.toThrow(/INBOUND_MAX_BYTES_IN_FLIGHT/);
  });
});
