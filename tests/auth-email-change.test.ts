import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../app/config.server";
import { mailSettingsFrom } from "../app/email/mail-settings.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme" });
  globex = await createTestTenant(platform, { name: "Globex" });
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const origin = (tenant: TenantRecord) => `http://${host(tenant)}`;
const canonicalOrigin = (tenant: TenantRecord) => mailSettingsFrom(loadConfig({ SESSION_SECRET: TEST_SESSION_SECRET })).originFor(tenant);

type Session = { cookie: string; csrf: string };

async function member(tenant: TenantRecord, email: string): Promise<Session & { id: number }> {
  const { id } = await createMember(platform, tenant, { email, password: "the member's password" });
  return { id, ...(await sessionFor(platform, tenant, id)) };
}

async function postProfile(tenant: TenantRecord, session: Session, fields: Record<string, string>) {
  return server.request(host(tenant), "/settings/profile", {
    method: "POST",
    body: form({ csrf: session.csrf, ...fields }),
    headers: postHeaders(origin(tenant), { cookie: session.cookie }),
  });
}

const askToChange = (tenant: TenantRecord, session: Session, newEmail: string, currentPassword = "the member's password") =>
  postProfile(tenant, session, { intent: "email", newEmail, currentPassword });

async function emailsOfKind(tenant: TenantRecord, kind: string, to: string) {
  const { db, t } = platform.router.forTenant(tenant);
  return db
    .select()
    .from(t.outboundEmails)
    .where(and(eq(t.outboundEmails.kind, kind), eq(t.outboundEmails.toAddress, to)));
}

async function confirmationPath(tenant: TenantRecord, to: string): Promise<string> {
  const emails = await emailsOfKind(tenant, "email_change_confirmation", to);
  const link = /https?:\/\/\S+\/confirm-email\/[A-Za-z0-9_-]+/.exec(emails.at(-1)?.textBody ?? "")?.[0];
  expect(link, `a confirmation link was emailed to ${to}`).toBeDefined();
  expect(link!.startsWith(`${canonicalOrigin(tenant)}/confirm-email/`)).toBe(true);
  return new URL(link!).pathname;
}

const confirm = (tenant: TenantRecord, path: string) => server.request(host(tenant), path, { method: "POST", body: "", headers: postHeaders(origin(tenant)) });

async function emailOf(tenant: TenantRecord, userId: number) {
  const { db, t } = platform.router.forTenant(tenant);
  const [row] = await db.select({ email: t.users.email }).from(t.users).where(eq(t.users.id, userId));
  return row!.email;
}

const signIn = (tenant: TenantRecord, email: string) =>
  server.request(host(tenant), "/login", { method: "POST", body: form({ email, password: "the member's password" }), headers: postHeaders(origin(tenant)) });

describe("changing one's sign-in email", () => {
  it("needs the current password, and changes nothing until the new address confirms; then the old one is told", async () => {
    const sam = await member(acme, "sam@acme.test");
    const wrong = await askToChange(acme, sam, "sam@new.test", "not my password");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That is not your current password");
    expect(await emailsOfKind(acme, "email_change_confirmation", "sam@new.test")).toHaveLength(0);

    const asked = await askToChange(acme, sam, "Sam@New.test");
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain("We sent a link to sam@new.test");
    const path = await confirmationPath(acme, "sam@new.test");
    const profile = await (await server.request(host(acme), "/settings/profile", { headers: { cookie: sam.cookie } })).text();
    expect(profile).toContain("Waiting for confirmation from <strong>sam@new.test</strong>");
    expect(await emailOf(acme, sam.id)).toBe("sam@acme.test");
    expect((await signIn(acme, "sam@new.test")).status).toBe(401);

    const page = await server.request(host(acme), path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Sign in with sam@new.test instead of sam@acme.test");
    const confirmed = await confirm(acme, path);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("You now sign in with sam@new.test");
    expect(await emailOf(acme, sam.id)).toBe("sam@new.test");
    expect((await signIn(acme, "sam@new.test")).status).toBe(302);
    expect((await signIn(acme, "sam@acme.test")).status).toBe(401);

    const [notice] = await emailsOfKind(acme, "email_changed", "sam@acme.test");
    expect(notice?.textBody).toContain("now signs in with sam@new.test");
    const { db, t } = platform.router.forTenant(acme);
    const [activity] = await db
      .select()
      .from(t.activityLogs)
      .where(and(eq(t.activityLogs.action, "user.email_changed"), eq(t.activityLogs.entityId, sam.id)));
    expect(activity?.changes).toEqual({ email: { from: "sam@acme.test", to: "sam@new.test" } });

    const reused = await confirm(acme, path);
    expect(reused.status).toBe(410);
    expect(await (await server.request(host(acme), path)).text()).toContain("This confirmation link cannot be used");
    expect(await (await server.request(host(acme), "/settings/profile", { headers: { cookie: sam.cookie } })).text()).not.toContain("Waiting for confirmation");
  });

  it("can be cancelled from the profile: the link then changes nothing", async () => {
    const kim = await member(acme, "kim@acme.test");
    expect((await askToChange(acme, kim, "kim@elsewhere.test")).status).toBe(200);
    const path = await confirmationPath(acme, "kim@elsewhere.test");
    const cancelled = await postProfile(acme, kim, { intent: "cancel-email-change" });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.text()).toContain("The email change is cancelled.");
    expect(await (await server.request(host(acme), "/settings/profile", { headers: { cookie: kim.cookie } })).text()).not.toContain("Waiting for confirmation");
    expect(await (await server.request(host(acme), path)).text()).toContain("This confirmation link cannot be used");
    expect((await confirm(acme, path)).status).toBe(410);
    expect(await emailOf(acme, kim.id)).toBe("kim@acme.test");
    expect((await postProfile(acme, kim, { intent: "cancel-email-change" })).status).toBe(404);
  });

  it("a newer request replaces the pending one", async () => {
    const lee = await member(acme, "lee@acme.test");
    await askToChange(acme, lee, "lee@first.test");
    const first = await confirmationPath(acme, "lee@first.test");
    await askToChange(acme, lee, "lee@second.test");
    const second = await confirmationPath(acme, "lee@second.test");
    expect((await confirm(acme, first)).status).toBe(410);
    expect((await confirm(acme, second)).status).toBe(200);
    expect(await emailOf(acme, lee.id)).toBe("lee@second.test");
  });

  it("refuses an address another member has, whether taken before the request or before the confirmation", async () => {
    const pat = await member(acme, "pat@acme.test");
    await createMember(platform, acme, { email: "taken@acme.test" });
    const refused = await askToChange(acme, pat, "TAKEN@acme.test");
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Another member of this workspace signs in with that email.");

    expect((await askToChange(acme, pat, "contested@acme.test")).status).toBe(200);
    const path = await confirmationPath(acme, "contested@acme.test");
    await createMember(platform, acme, { email: "Contested@acme.test" });
    const late = await confirm(acme, path);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain("now signs in with that email");
    expect(await emailOf(acme, pat.id)).toBe("pat@acme.test");
    expect(await emailsOfKind(acme, "email_changed", "pat@acme.test")).toHaveLength(0);
  });

  it("refuses expired links, unknown ones and another workspace's", async () => {
    const ray = await member(acme, "ray@acme.test");
    await askToChange(acme, ray, "ray@late.test");
    const expired = await confirmationPath(acme, "ray@late.test");
    const { db, t } = platform.router.forTenant(acme);
    await db
      .update(t.emailChanges)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(t.emailChanges.userId, ray.id));

    const gil = await member(globex, "gil@globex.test");
    await askToChange(globex, gil, "gil@new.test");
    const foreign = await confirmationPath(globex, "gil@new.test");

    for (const path of [expired, foreign, `/confirm-email/${"A".repeat(43)}`, "/confirm-email/short"]) {
      expect(await (await server.request(host(acme), path)).text(), path).toContain("This confirmation link cannot be used");
      const refused = await confirm(acme, path);
      expect(refused.status, path).toBe(410);
      expect(await refused.text(), path).toContain("This confirmation link is invalid");
    }
    expect(await emailOf(acme, ray.id)).toBe("ray@acme.test");
    expect(await emailOf(globex, gil.id)).toBe("gil@globex.test");
    expect(await (await server.request(host(globex), foreign)).text()).toContain("Confirm your new email");
  });
});
