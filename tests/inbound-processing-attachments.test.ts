import { eq } from "drizzle-orm";
import MailComposer from "nodemailer/lib/mail-composer";
import type Mail from "nodemailer/lib/mailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomerSession, portalCookie } from "../app/portal/customer-sessions.server";
import { displayFilename, MAX_ATTACHMENT_BYTES } from "../app/inbound/attachments.server";
import { processInboundEmail } from "../app/inbound/process-inbound-email.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let acmeDb: TenantHandle;
let acmeAgent: string;
let globexAgent: string;
let owner: string;
let stranger: string;
let ticketNumber: number;
let ticketId: number;
let files: Array<{ id: number; filename: string; contentType: string; sizeBytes: number; content: Buffer; ticketMessageId: number }>;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (path: string, cookie: string, tenant = acme) => server.request(host(tenant), path, { headers: { cookie }, redirect: "manual" });

async function customerCookie(tenant: TenantRecord, customerId: number): Promise<string> {
  const token = await createCustomerSession(platform.router.forTenant(tenant), customerId);
  return (await portalCookie({ sessionSecret: TEST_SESSION_SECRET, secureCookies: false }, tenant).serialize(token)).split(";")[0]!;
}

async function deliver(handle: TenantHandle, tenant: TenantRecord, mail: Mail.Options) {
  const raw = await new MailComposer({ to: "support@acme.test", ...mail }).compile().build();
  const [row] = await handle.db
    .insert(handle.t.inboundEmails)
    .values({ dedupeKey: `att-${Math.random()}`, raw, sizeBytes: raw.length, receivedVia: "http", envelopeFrom: "x@example.test" })
    .returning({ id: handle.t.inboundEmails.id });
  await processInboundEmail(handle, { sessionSecret: TEST_SESSION_SECRET, origin: `http://${host(tenant)}` }, row!.id);
  const [processed] = await handle.db.select().from(handle.t.inboundEmails).where(eq(handle.t.inboundEmails.id, row!.id));
  return processed!;
}

const LONG_NAME = `${"very-long-name-".repeat(30)}.pdf`;

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform), createTestTenant(platform)]);
  acmeDb = platform.router.forTenant(acme);
  const row = await deliver(acmeDb, acme, {
    from: "Owner <owner@files.test>",
    subject: "Files",
    text: "See attached.",
    html: '<p>See <b>attached</b>.<img src="https://tracker.test/p.gif"></p><script>alert(1)</script>',
    attachments: [
      { filename: "../../etc/passwd", content: "root:x:0:0", contentType: "text/plain" },
      { filename: "evil\u0000\u0007\r\nname\u202e.txt", content: "control chars" },
      { filename: LONG_NAME, content: Buffer.from("%PDF-1.4"), contentType: "application/pdf" },
      { filename: "page.html", content: "<script>alert(document.cookie)</script>", contentType: "text/html" },
      { filename: "huge.bin", content: Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 1), contentType: "application/octet-stream" },
    ],
  });
  ticketId = row.ticketId!;
  const [ticket] = await acmeDb.db.select().from(acmeDb.t.tickets).where(eq(acmeDb.t.tickets.id, ticketId));
  ticketNumber = ticket!.number;
  files = await acmeDb.db
    .select()
    .from(acmeDb.t.messageAttachments)
    .where(eq(acmeDb.t.messageAttachments.ticketMessageId, row.ticketMessageId!))
    .orderBy(acmeDb.t.messageAttachments.id);

  // Another customer of the same workspace, with a ticket of their own.
  const other = await deliver(acmeDb, acme, { from: "stranger@files.test", subject: "Mine", text: "hello" });
  const [otherTicket] = await acmeDb.db.select().from(acmeDb.t.tickets).where(eq(acmeDb.t.tickets.id, other.ticketId!));
  owner = await customerCookie(acme, ticket!.customerId);
  stranger = await customerCookie(acme, otherTicket!.customerId);
  acmeAgent = (await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@files-acme.test" })).id)).cookie;
  globexAgent = (await sessionFor(platform, globex, (await createMember(platform, globex, { email: "agent@files-globex.test" })).id)).cookie;
  server = await startTestServer(platform);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await platform.close();
});

describe("attachment names", () => {
  it("are for display only: no paths, no control characters, limited length", () => {
    expect(displayFilename("../../etc/passwd")).toBe("passwd");
    expect(displayFilename("..\\..\\boot.ini")).toBe("boot.ini");
    expect(displayFilename("a\u0000b\u0007\r\nc\u202e.txt")).toBe("abc.txt");
    expect(displayFilename("..")).toBe("attachment");
    expect(displayFilename(undefined)).toBe("attachment");
    const long = displayFilename(LONG_NAME);
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long.endsWith(".pdf")).toBe(true);
  });
});

describe("inbound attachments", () => {
  it("are stored with safe names and sizes; an oversized one is skipped and noted", async () => {
    expect(files.map((file) => file.filename)).toEqual(["passwd", "evilname.txt", displayFilename(LONG_NAME), "page.html"]);
    expect(files.map((file) => file.contentType)).toEqual(["text/plain", "text/plain", "application/pdf", "text/html"]);
    expect(files[0]!.content.toString()).toBe("root:x:0:0");
    expect(files[0]!.sizeBytes).toBe(10);
    const [message] = await acmeDb.db.select().from(acmeDb.t.ticketMessages).where(eq(acmeDb.t.ticketMessages.ticketId, ticketId));
    expect(message!.body).toContain("See attached.");
    expect(message!.body).toContain("huge.bin");
  });

  it("download for this workspace's agents with the safety headers", async () => {
    const response = await get(`/tickets/${ticketNumber}/attachments/${files[0]!.id}`, acmeAgent);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''passwd");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("sandbox; default-src 'none'");
    expect(await response.text()).toBe("root:x:0:0");
    const html = await get(`/tickets/${ticketNumber}/attachments/${files[3]!.id}`, acmeAgent);
    expect(html.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(html.headers.get("content-security-policy")).toContain("sandbox; default-src 'none'");
    const odd = await get(`/tickets/${ticketNumber}/attachments/${files[1]!.id}`, acmeAgent);
    expect(odd.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''evilname.txt");
  });

  it("are not found through another ticket's number, another workspace or without signing in", async () => {
    expect((await get(`/tickets/${ticketNumber + 1}/attachments/${files[0]!.id}`, acmeAgent)).status).toBe(404);
    expect((await get(`/tickets/${ticketNumber}/attachments/${files[0]!.id}`, globexAgent, globex)).status).toBe(404);
    expect((await get(`/tickets/${ticketNumber}/attachments/${files[0]!.id}`, globexAgent)).status).toBe(302);
    expect((await get(`/tickets/${ticketNumber}/attachments/${files[0]!.id}`, "")).status).toBe(302);
    expect((await get(`/tickets/${ticketNumber}/attachments/abc`, acmeAgent)).status).toBe(404);
  });

  it("download for the ticket's customer in the portal, and for nobody else", async () => {
    const response = await get(`/portal/tickets/${ticketNumber}/attachments/${files[0]!.id}`, owner);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("sandbox; default-src 'none'");
    expect(await response.text()).toBe("root:x:0:0");
    expect((await get(`/portal/tickets/${ticketNumber}/attachments/${files[0]!.id}`, stranger)).status).toBe(404);
    expect((await get(`/portal/tickets/${ticketNumber}/attachments/${files[0]!.id}`, "")).status).toBe(302);
    // and the customer's page lists it under its message
    expect(await (await get(`/portal/tickets/${ticketNumber}`, owner)).text()).toContain(`/portal/tickets/${ticketNumber}/attachments/${files[0]!.id}`);
  });

  it("of an internal note are not the customer's", async () => {
    await acmeDb.db.update(acmeDb.t.ticketMessages).set({ internal: true }).where(eq(acmeDb.t.ticketMessages.id, files[2]!.ticketMessageId));
    try {
      expect((await get(`/portal/tickets/${ticketNumber}/attachments/${files[2]!.id}`, owner)).status).toBe(404);
      expect(await (await get(`/portal/tickets/${ticketNumber}`, owner)).text()).not.toContain(`/attachments/${files[2]!.id}`);
      expect((await get(`/tickets/${ticketNumber}/attachments/${files[2]!.id}`, acmeAgent)).status).toBe(200);
    } finally {
      await acmeDb.db.update(acmeDb.t.ticketMessages).set({ internal: false }).where(eq(acmeDb.t.ticketMessages.id, files[2]!.ticketMessageId));
    }
  });

  it("are listed under their message on the agent's ticket page, next to the sandboxed original", async () => {
    const response = await get(`/tickets/${ticketNumber}`, acmeAgent);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`href="/tickets/${ticketNumber}/attachments/${files[0]!.id}"`);
    expect(page).toContain("passwd");
    expect(page).toContain("(10 B)");
    expect(page).toContain("Show original formatting");
    const frame = /<iframe[^>]*>/.exec(page)?.[0] ?? "";
    expect(frame).toContain('sandbox=""');
    expect(frame).not.toMatch(/allow-/);
    expect(frame).toContain("default-src &#x27;none&#x27;; style-src &#x27;unsafe-inline&#x27;; img-src data: cid:");
    expect(frame).toContain("tracker.test");
    expect(frame).not.toContain("alert(1)");
  });
});
