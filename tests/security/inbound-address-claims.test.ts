import { randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import nodemailer from "nodemailer";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundAddresses } from "../../db/control-schema";
import { createMailTransport, type MailTransport } from "../../app/email/mail-transport.server";
import { outboundMessage } from "../../app/email/outbound-message.server";
import { processInboundEmail } from "../../app/inbound/process-inbound-email.server";
import { startSmtpReceiver, type SmtpReceiver } from "../../app/inbound/smtp-receiver.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "../support/auth";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";
import { createTestTenant, openTestPlatform } from "../support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "../support/test-server";

// Hole 5 of issue 11: a workspace could capture another's mail by adding its address first.
// Now an address is pending until a confirmation emailed to it is used, and only verified ones route.

const DOMAIN = "in.claims.test";
const FROM = "noreply@conductor.test";
const platform = openTestPlatform();
let server: TestServer;
let receiver: SmtpReceiver;
let sink: SmtpSink;
let transport: MailTransport;
type Workspace = { tenant: TenantRecord; admin: { cookie: string; csrf: string }; agent: { cookie: string; csrf: string } };
let acme: Workspace;
let globex: Workspace;

async function workspace(name: string): Promise<Workspace> {
  const tenant = await createTestTenant(platform, { name });
  const admin = await createMember(platform, tenant, { email: `boss@${tenant.slug}.test`, role: "admin" });
  const agent = await createMember(platform, tenant, { email: `agent@${tenant.slug}.test`, role: "agent" });
  return { tenant, admin: await sessionFor(platform, tenant, admin.id), agent: await sessionFor(platform, tenant, agent.id) };
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([workspace("Acme"), workspace("Globex")]);
  sink = await startSmtpSink();
  transport = createMailTransport(sink.url);
  server = await startTestServer(platform, { env: { INBOUND_DOMAIN: DOMAIN } });
  receiver = await startSmtpReceiver({
    platform,
    settings: { domain: DOMAIN, maxBytes: 1024 * 1024, smtpHost: "127.0.0.1", smtpPort: 0 },
    logger: pino({ level: "silent" }),
  });
});
afterAll(async () => {
  transport?.close();
  await Promise.all([receiver?.stop(), server?.close(), sink?.stop()]);
  await platform.close();
});

const host = ({ tenant }: Workspace) => `${tenant.slug}.localhost`;
const claimedAddress = (label: string) => `${label}-${randomBytes(4).toString("hex")}@globex-claims.test`;

function get(ws: Workspace, path: string, session: { cookie: string } | null = ws.admin) {
  return server.request(host(ws), path, { headers: session ? { cookie: session.cookie } : {} });
}
function post(ws: Workspace, path: string, fields: Record<string, string>, session = ws.admin) {
  return server.request(host(ws), path, {
    method: "POST",
    body: form({ csrf: session.csrf, ...fields }),
    headers: postHeaders(`http://${host(ws)}`, { cookie: session.cookie }),
  });
}
const claim = (ws: Workspace, address: string) => post(ws, "/settings/email", { intent: "add-address", address });
const verifyPath = (link: string) => new URL(link).pathname;
/** The link's page, opened: it says the link cannot be used here. */
const unusable = async (response: Promise<Response>) => (await (await response).text()).includes('data-testid="link-unusable"');

/** The state `/settings/email` shows for the address, read from the page itself. */
async function shownState(ws: Workspace, address: string): Promise<string | null> {
  const html = await (await get(ws, "/settings/email")).text();
  return new RegExp(`data-address="${address.replace(/[.+]/g, "\\$&")}" data-status="(\\w+)"`).exec(html)?.[1] ?? null;
}

/**
 * Sends the workspace's latest confirmation email for `address` over real SMTP (as the worker
 * would, from its outbox row) to the sink, which plays the address's mailbox; returns what arrived.
 */
async function deliverConfirmation(ws: Workspace, address: string) {
  const { db, t } = platform.router.forTenant(ws.tenant);
  const [row] = await db
    .select()
    .from(t.outboundEmails)
    .where(and(eq(t.outboundEmails.kind, "address_confirmation"), eq(t.outboundEmails.toAddress, address)))
    .orderBy(desc(t.outboundEmails.id))
    .limit(1);
  const before = sink.deliveredTo(address).length;
  await transport.send(outboundMessage(row!, { name: ws.tenant.name, address: FROM }));
  const delivery = (await sink.waitForDeliveries(address, before + 1)).at(-1)!;
  const link = /https?:\/\/\S+\/settings\/email\/verify\/\S+/.exec(delivery.mail.text ?? "")?.[0];
  if (!link) throw new Error(`no confirmation link in: ${delivery.mail.text}`);
  return { link, raw: delivery.raw, delivery };
}

type SmtpOutcome = { accepted: boolean; code?: number };
async function smtpSend(to: string, raw: string | Buffer): Promise<SmtpOutcome> {
  const client = nodemailer.createTransport({ host: "127.0.0.1", port: receiver.port, secure: false, ignoreTLS: true });
  try {
    await client.sendMail({ envelope: { from: "customer@desert.example", to: [to] }, raw });
    return { accepted: true };
  } catch (error) {
    return { accepted: false, code: (error as { responseCode?: number }).responseCode };
  } finally {
    client.close();
  }
}
const customerMail = (to: string, messageId: string) =>
  `From: Customer <customer@desert.example>\r\nTo: ${to}\r\nSubject: Help\r\nMessage-ID: <${messageId}>\r\n\r\nPlease help.\r\n`;

async function storedIn(ws: Workspace, messageId: string) {
  const { db, t } = platform.router.forTenant(ws.tenant);
  return db
    .select({ id: t.inboundEmails.id, ticketId: t.inboundEmails.ticketId, status: t.inboundEmails.status })
    .from(t.inboundEmails)
    .where(eq(t.inboundEmails.dedupeKey, `<${messageId}>`));
}
const verifiedClaims = (address: string) =>
  platform.control.db
    .select({ tenantId: inboundAddresses.tenantId })
    .from(inboundAddresses)
    .where(and(eq(inboundAddresses.address, address), eq(inboundAddresses.status, "verified")));

describe("hole 5: an address routes mail only to the workspace that proved it receives that address's mail", () => {
  it("refuses a claimed address at RCPT until confirmed; another workspace's emailed link verifies it, mail then goes there, and the first claimant's link fails cleanly", async () => {
    const address = claimedAddress("help");
    expect((await claim(acme, address)).status).toBe(200);
    expect(await smtpSend(address, customerMail(address, `early-${address}`))).toEqual({ accepted: false, code: 550 });
    expect(await shownState(acme, address)).toBe("pending");

    // Acme's pending claim does not stand in Globex's way.
    expect((await claim(globex, address)).status).toBe(200);
    expect(await shownState(globex, address)).toBe("pending");
    const forGlobex = await deliverConfirmation(globex, address);
    const forAcme = await deliverConfirmation(acme, address);
    expect(forGlobex.delivery.envelope.to).toEqual([address]);
    expect(new URL(forGlobex.link).host).toBe(host(globex));
    expect(forGlobex.delivery.mail.headers.get("auto-submitted")).toBe("auto-generated");

    // The link is of no use signed out, to an agent, or in another workspace.
    const signedOut = await get(globex, verifyPath(forGlobex.link), null);
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
    expect((await get(globex, verifyPath(forGlobex.link), globex.agent)).status).toBe(403);
    expect((await post(globex, verifyPath(forGlobex.link), {}, globex.agent)).status).toBe(403);
    expect(await unusable(get(acme, verifyPath(forGlobex.link)))).toBe(true);
    expect((await post(acme, verifyPath(forGlobex.link), {})).status).toBe(404);
    expect((await post(globex, verifyPath(forAcme.link), {})).status).toBe(404);
    expect(await shownState(acme, address)).toBe("pending");

    const page = await get(globex, verifyPath(forGlobex.link));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Confirm ${address}`);
    const verified = await post(globex, verifyPath(forGlobex.link), {});
    expect(verified.status).toBe(200);
    expect(await verified.text()).toContain("is confirmed");
    expect(await shownState(globex, address)).toBe("verified");
    // Single use.
    expect((await post(globex, verifyPath(forGlobex.link), {})).status).toBe(404);

    const messageId = `after-${randomBytes(6).toString("hex")}@desert.example`;
    expect(await smtpSend(address.toUpperCase(), customerMail(address, messageId))).toEqual({ accepted: true });
    expect(await storedIn(globex, messageId)).toHaveLength(1);
    expect(await storedIn(acme, messageId)).toHaveLength(0);

    const late = await post(acme, verifyPath(forAcme.link), {});
    expect(late.status).toBe(409);
    expect(await late.text()).toContain("confirmed by another workspace first");
    expect(await shownState(acme, address)).toBe("taken");
    expect(await verifiedClaims(address)).toEqual([{ tenantId: globex.tenant.id }]);
    // And Acme cannot claim it again while Globex holds it.
    const again = await claim(acme, address);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already in use by a workspace");
  });

  it("lets exactly one of two workspaces win when both confirm the same address at the same moment", async () => {
    for (let round = 0; round < 3; round += 1) {
      const address = claimedAddress(`race${round}`);
      expect((await claim(acme, address)).status).toBe(200);
      expect((await claim(globex, address)).status).toBe(200);
      const links = [await deliverConfirmation(acme, address), await deliverConfirmation(globex, address)];
      const statuses = (await Promise.all([post(acme, verifyPath(links[0]!.link), {}), post(globex, verifyPath(links[1]!.link), {})])).map(
        (response) => response.status,
      );
      expect([...statuses].sort()).toEqual([200, 409]);
      const winner = statuses[0] === 200 ? acme : globex;
      const loser = winner === acme ? globex : acme;
      expect(await verifiedClaims(address)).toEqual([{ tenantId: winner.tenant.id }]);
      expect(await shownState(winner, address)).toBe("verified");
      expect(await shownState(loser, address)).toBe("taken");
    }
  });

  it("refuses an expired link, rate-limits resending next to the address, and a resent link replaces the old one", async () => {
    const address = claimedAddress("expiry");
    expect((await claim(acme, address)).status).toBe(200);
    const [row] = await platform.control.db
      .select()
      .from(inboundAddresses)
      .where(and(eq(inboundAddresses.address, address), eq(inboundAddresses.tenantId, acme.tenant.id)));
    expect(row!.tokenExpiresAt!.getTime() - row!.confirmationSentAt!.getTime()).toBe(24 * 3600 * 1000);
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const first = await deliverConfirmation(acme, address);
    expect(first.link).not.toContain(row!.tokenHash!);

    await platform.control.db
      .update(inboundAddresses)
      .set({ tokenExpiresAt: new Date(Date.now() - 60_000) })
      .where(eq(inboundAddresses.id, row!.id));
    expect(await unusable(get(acme, verifyPath(first.link)))).toBe(true);
    expect((await post(acme, verifyPath(first.link), {})).status).toBe(404);
    expect(await shownState(acme, address)).toBe("pending");

    const tooSoon = await post(acme, "/settings/email", { intent: "resend-confirmation", address });
    expect(tooSoon.status).toBe(429);
    const html = await tooSoon.text();
    expect(html).toMatch(new RegExp(`id="address-error-${address.replace(/[.+]/g, "\\$&")}"[^>]*>[^<]*less than a minute ago`));

    await platform.control.db
      .update(inboundAddresses)
      .set({ confirmationSentAt: new Date(Date.now() - 120_000) })
      .where(eq(inboundAddresses.id, row!.id));
    expect((await post(acme, "/settings/email", { intent: "resend-confirmation", address })).status).toBe(200);
    const second = await deliverConfirmation(acme, address);
    expect(second.link).not.toBe(first.link);
    expect((await post(acme, verifyPath(first.link), {})).status).toBe(404);
    expect((await post(acme, verifyPath(second.link), {})).status).toBe(200);
    expect(await shownState(acme, address)).toBe("verified");

    expect((await post(acme, "/settings/email", { intent: "remove-address", address })).status).toBe(200);
    expect(await shownState(acme, address)).toBeNull();
    expect(await smtpSend(address, customerMail(address, `removed-${address}`))).toEqual({ accepted: false, code: 550 });
  });

  it("verifies from the page when the confirmation came back through the workspace's own inbound address, never as a ticket, and only in the claiming workspace", async () => {
    const address = claimedAddress("forwarded");
    expect((await claim(globex, address)).status).toBe(200);
    expect((await claim(acme, address)).status).toBe(200);
    const forGlobex = await deliverConfirmation(globex, address);
    const forAcme = await deliverConfirmation(acme, address);
    // The address forwards to Globex: both workspaces' confirmations land in Globex's inbound mail.
    for (const { raw } of [forGlobex, forAcme]) expect(await smtpSend(`support@${globex.tenant.slug}.${DOMAIN}`, raw)).toEqual({ accepted: true });

    const refused = await post(acme, "/settings/email", { intent: "confirm-returned", address });
    expect(refused.status).toBe(409);
    expect(await shownState(acme, address)).toBe("pending");

    const html = await (await get(globex, "/settings/email")).text();
    expect(html).toContain("reached this workspace");
    expect(html).toContain(`aria-label="Confirm now ${address}"`);
    const confirmed = await post(globex, "/settings/email", { intent: "confirm-returned", address });
    expect(confirmed.status).toBe(200);
    expect(await shownState(globex, address)).toBe("verified");
    expect(await shownState(acme, address)).toBe("taken");

    // Processing drops Globex's own confirmation (its Message-ID is Globex's): the link never sits in a ticket.
    const ownMessageId = forGlobex.delivery.mail.messageId!.replace(/^<|>$/g, "");
    const [stored] = await storedIn(globex, ownMessageId);
    await processInboundEmail(platform.router.forTenant(globex.tenant), { sessionSecret: TEST_SESSION_SECRET, origin: `http://${host(globex)}` }, stored!.id);
    expect(await storedIn(globex, ownMessageId)).toEqual([{ id: stored!.id, ticketId: null, status: "processed" }]);
  });
});
