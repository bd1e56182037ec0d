import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, desc, eq } from "drizzle-orm";
import {
  addInboundAddress,
  inboundAddressSchema,
  listInboundAddresses,
  removeInboundAddress,
  verifyInboundAddress,
} from "../app/inbound/inbound-addresses.server";
import { routeRecipient } from "../app/inbound/inbound-routing.server";
import { storeInboundEmail } from "../app/inbound/inbound-store.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const DOMAIN = "in.settings.test";
const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let admin: { cookie: string; csrf: string };
let adminId: number;
let agent: { cookie: string; csrf: string };

const host = () => `${acme.slug}.localhost`;
const get = (path: string, cookie = "") => server.request(host(), path, { headers: cookie ? { cookie } : {} });
const post = (fields: Array<[string, string]>, session = admin) =>
  server.request(host(), "/settings/email", {
    method: "POST",
    body: new URLSearchParams(fields).toString(),
    headers: postHeaders(`http://${host()}`, { cookie: session.cookie }),
  });

async function failedEmail(subject: string) {
  const raw = Buffer.from(
    `From: Road Runner <rr@desert.example>\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@desert.example>\r\n\r\nMeep\r\n`,
  );
  const { id } = await storeInboundEmail(platform, acme, { raw, via: "http", envelopeFrom: null, envelopeTo: [] });
  const { db, t } = platform.router.forTenant(acme);
  await db.update(t.inboundEmails).set({ status: "failed", failureReason: "could not parse the MIME structure" }).where(eq(t.inboundEmails.id, id));
  return id;
}

async function activity(tenant: TenantRecord, action: string) {
  const { db, t } = platform.router.forTenant(tenant);
  return db.select().from(t.activityLogs).where(eq(t.activityLogs.action, action));
}

const claimOptions = (reservedDomains: string[] = []) => ({ inbound: { domain: DOMAIN, reservedDomains }, origin: "http://workspace.localhost" });
const addresses = async (tenant: TenantRecord) =>
  (await listInboundAddresses(platform.control.db, platform.router.forTenant(tenant))).map((claim) => `${claim.address}:${claim.status}`);

/** The token of the latest confirmation email the workspace queued for `address`. */
async function confirmationToken(tenant: TenantRecord, address: string) {
  const { db, t } = platform.router.forTenant(tenant);
  const [email] = await db
    .select({ text: t.outboundEmails.textBody })
    .from(t.outboundEmails)
    .where(and(eq(t.outboundEmails.kind, "address_confirmation"), eq(t.outboundEmails.toAddress, address)))
    .orderBy(desc(t.outboundEmails.id))
    .limit(1);
  return /\/settings\/email\/verify\/(\S+)/.exec(email!.text)![1]!;
}

async function claimAndVerify(tenant: TenantRecord, address: string) {
  const handle = platform.router.forTenant(tenant);
  await addInboundAddress(platform.control.db, handle, { id: 1 }, address, claimOptions());
  await verifyInboundAddress(platform.control.db, handle, { id: 1 }, await confirmationToken(tenant, address));
}

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  adminId = (await createMember(platform, acme, { email: "boss@settings-inbound.test", role: "admin" })).id;
  admin = await sessionFor(platform, acme, adminId);
  agent = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@settings-inbound.test", role: "agent" })).id);
  server = await startTestServer(platform, { env: { INBOUND_DOMAIN: DOMAIN } });
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("/settings/email", () => {
  it("adds a support address from the page as pending with its confirmation emailed, refuses one another workspace confirmed next to the field, and removes it", async () => {
    const address = `help.${Date.now()}@acme-corp.example`;
    const added = await post([
      ["csrf", admin.csrf],
      ["intent", "add-address"],
      ["address", address.toUpperCase()],
    ]);
    expect(added.status).toBe(200);
    expect(await added.text()).toContain("A confirmation link was emailed");
    expect(await addresses(acme)).toContain(`${address}:pending`);
    expect(await (await get("/settings/email", admin.cookie)).text()).toContain(`data-address="${address}" data-status="pending"`);
    expect(await confirmationToken(acme, address)).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);

    const taken = `taken.${Date.now()}@globex-corp.example`;
    await claimAndVerify(globex, taken);
    const refused = await post([
      ["csrf", admin.csrf],
      ["intent", "add-address"],
      ["address", taken],
    ]);
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toContain("already in use by a workspace");
    expect(html).toContain(`value="${taken}"`);
    expect(html).toMatch(/aria-invalid="true"/);
    expect(await addresses(acme)).not.toContain(`${taken}:pending`);

    expect(
      (
        await post([
          ["csrf", admin.csrf],
          ["intent", "remove-address"],
          ["address", taken],
        ])
      ).status,
    ).toBe(404); // globex's, not ours
    expect(
      (
        await post([
          ["csrf", admin.csrf],
          ["intent", "remove-address"],
          ["address", address],
        ])
      ).status,
    ).toBe(200);
    expect(await addresses(acme)).toEqual([]);
  });

  it("is for admins only and shows the workspace's inbound address", async () => {
    expect((await get("/settings/email", agent.cookie)).status).toBe(403);
    expect((await get("/settings/email")).status).toBe(302);
    const page = await get("/settings/email", admin.cookie);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`support@${acme.slug}.${DOMAIN}`);
  });

  it("lists failed emails and retries one: back to received, reason cleared, job queued, activity recorded", async () => {
    const id = await failedEmail("Printer <b>on fire</b>");
    const html = await (await get("/settings/email", admin.cookie)).text();
    expect(html).toContain(`data-testid="failed-email-${id}"`);
    expect(html).toContain("Printer &lt;b&gt;on fire&lt;/b&gt;");
    expect(html).toContain("could not parse the MIME structure");
    expect(html).toContain("Road Runner");

    expect(
      (
        await post([
          ["intent", "retry"],
          ["inboundEmailId", String(id)],
        ])
      ).status,
    ).toBe(403); // no CSRF token
    expect(
      (
        await post(
          [
            ["csrf", agent.csrf],
            ["intent", "retry"],
            ["inboundEmailId", String(id)],
          ],
          agent,
        )
      ).status,
    ).toBe(403);

    const retried = await post([
      ["csrf", admin.csrf],
      ["intent", "retry"],
      ["inboundEmailId", String(id)],
    ]);
    expect(retried.status).toBe(200);
    expect(await retried.text()).toContain("queued for processing again");
    const { db, t } = platform.router.forTenant(acme);
    const [row] = await db.select().from(t.inboundEmails).where(eq(t.inboundEmails.id, id));
    // Another test file's worker may already have taken the new job; either way the email left "failed".
    expect(row!.status === "received" ? row!.failureReason : null).toBeNull();
    const { rows } = await platform.control.pool.query(
      `select 1 from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
       where tasks.identifier = 'process_inbound_email' and jobs.payload->>'tenantId' = $1 and (jobs.payload->>'inboundEmailId')::bigint = $2`,
      [acme.id, id],
    );
    // The store's job and the retry's job (unless a worker already ran them).
    expect(rows.length).toBeLessThanOrEqual(2);
    if (row!.status === "received") expect(rows.length).toBeGreaterThanOrEqual(1);
    expect((await activity(acme, "inbound_email.retried")).filter((entry) => entry.entityId === id)).toHaveLength(1);

    const again = await post([
      ["csrf", admin.csrf],
      ["intent", "retry"],
      ["inboundEmailId", String(id)],
    ]);
    expect(again.status).toBe(409);
  });
});

describe("extra support addresses (domain module)", () => {
  it("validates, claims as pending, routes only once verified, refuses a confirmed or INBOUND_DOMAIN address, and removes", async () => {
    expect(inboundAddressSchema.safeParse({ address: "not an address" }).success).toBe(false);
    const address = inboundAddressSchema.parse({ address: `  Help-${acme.slug}@Acme-Rockets.Example ` }).address;
    expect(address).toBe(`help-${acme.slug}@acme-rockets.example`);

    const handle = platform.router.forTenant(acme);
    await addInboundAddress(platform.control.db, handle, { id: adminId }, address, claimOptions());
    expect(await addresses(acme)).toEqual([`${address}:pending`]);
    expect(await routeRecipient(platform, address, DOMAIN)).toBeNull();
    await verifyInboundAddress(platform.control.db, handle, { id: adminId }, await confirmationToken(acme, address));
    expect(await addresses(acme)).toEqual([`${address}:verified`]);
    expect((await routeRecipient(platform, address.toUpperCase(), DOMAIN))?.id).toBe(acme.id);
    expect((await activity(acme, "inbound_address.added")).map((entry) => entry.changes)).toContainEqual({ address: { from: null, to: address } });
    expect((await activity(acme, "inbound_address.verified")).map((entry) => entry.changes)).toContainEqual({
      address: { from: null, to: address },
      proof: { from: null, to: "link" },
    });

    const other = platform.router.forTenant(globex);
    await expect(addInboundAddress(platform.control.db, other, { id: 1 }, address.toUpperCase(), claimOptions())).rejects.toMatchObject({
      status: 409,
      code: "address_in_use",
    });
    await expect(addInboundAddress(platform.control.db, other, { id: 1 }, `support@${acme.slug}.${DOMAIN}`, claimOptions())).rejects.toThrow(
      /given by the workspace name/,
    );
    await expect(addInboundAddress(platform.control.db, other, { id: 1 }, "support@conductor.example", claimOptions(["conductor.example"]))).rejects.toThrow(
      /own domain/,
    );
    expect(await removeInboundAddress(platform.control.db, other, { id: 1 }, address)).toBe(false);

    expect(await removeInboundAddress(platform.control.db, handle, { id: adminId }, address)).toBe(true);
    expect(await addresses(acme)).toEqual([]);
    expect(await routeRecipient(platform, address, DOMAIN)).toBeNull();
    expect((await activity(acme, "inbound_address.removed")).map((entry) => entry.changes)).toContainEqual({ address: { from: address, to: null } });
  });
});
