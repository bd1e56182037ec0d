import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESET_REQUEST_MIN_MS } from "../app/auth/password-reset.server";
import { PASSWORD_RESET_LIMITS } from "../app/auth/rate-limits.server";
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

const ACCOUNT_LOCK_AFTER = 3;

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme" });
  globex = await createTestTenant(platform, { name: "Globex" });
  // Behind a trusted proxy so each request can come from its own client IP (X-Forwarded-For).
  server = await startTestServer(platform, { trustProxy: true, env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_LOCK_AFTER) } });
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const origin = (tenant: TenantRecord) => `http://${host(tenant)}`;
// The test server's configuration, as startTestServer loads it: the workspace's canonical address.
const canonicalOrigin = (tenant: TenantRecord) => mailSettingsFrom(loadConfig({ SESSION_SECRET: TEST_SESSION_SECRET })).originFor(tenant);

let lastIp = 0;
const freshIp = () => {
  lastIp += 1;
  return `10.77.${lastIp >> 8}.${lastIp & 255}`;
};

async function askForReset(tenant: TenantRecord, email: string, { ip = freshIp(), headers = {} as Record<string, string>, via = server } = {}) {
  return via.request(host(tenant), "/forgot-password", {
    method: "POST",
    body: form({ email }),
    headers: postHeaders(origin(tenant), { "x-forwarded-for": ip, ...headers }),
  });
}

async function resetEmails(tenant: TenantRecord, to: string) {
  const { db, t } = platform.router.forTenant(tenant);
  return db
    .select()
    .from(t.outboundEmails)
    .where(and(eq(t.outboundEmails.kind, "password_reset"), eq(t.outboundEmails.toAddress, to)))
    .orderBy(t.outboundEmails.id);
}

async function latestResetLink(tenant: TenantRecord, to: string): Promise<string> {
  const emails = await resetEmails(tenant, to);
  const link = /https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+/.exec(emails.at(-1)?.textBody ?? "")?.[0];
  expect(link, `a reset link was emailed to ${to}`).toBeDefined();
  return link!;
}

async function setNewPassword(tenant: TenantRecord, path: string, password: string, confirm = password) {
  return server.request(host(tenant), path, {
    method: "POST",
    body: form({ newPassword: password, confirmPassword: confirm }),
    headers: postHeaders(origin(tenant), { "x-forwarded-for": freshIp() }),
  });
}

async function signIn(tenant: TenantRecord, email: string, password: string) {
  return server.request(host(tenant), "/login", {
    method: "POST",
    body: form({ email, password }),
    headers: postHeaders(origin(tenant), { "x-forwarded-for": freshIp() }),
  });
}

const withoutNonces = (html: string) => html.replace(/nonce="[^"]*"/g, 'nonce=""');

describe("asking for a reset link", () => {
  it("is linked from the sign-in page", async () => {
    const page = await (await server.request(host(acme), "/login")).text();
    expect(page).toContain('href="/forgot-password"');
    expect(page).toContain("Forgot your password?");
  });

  it("answers a known and an unknown address with the same page, and emails only the member", async () => {
    await createMember(platform, acme, { email: "known@acme.test", name: "Known Member" });
    const known = await askForReset(acme, "Known@Acme.test");
    const unknown = await askForReset(acme, "nobody@acme.test");
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const knownPage = withoutNonces(await known.text());
    expect(knownPage).toBe(withoutNonces(await unknown.text()));
    expect(knownPage).toContain("If that address belongs to a member of Acme");
    expect(knownPage).not.toContain("known@acme.test");

    expect(await resetEmails(acme, "known@acme.test")).toHaveLength(1);
    expect(await resetEmails(acme, "nobody@acme.test")).toHaveLength(0);
  });

  it("takes the same time for known and unknown addresses: both wait out the same floor", async () => {
    const tries = 6;
    for (let index = 0; index < tries; index++) await createMember(platform, acme, { email: `timed${index}@acme.test` });
    const durations = { known: [] as number[], unknown: [] as number[] };
    for (let index = 0; index < tries; index++) {
      for (const [kind, email] of [
        ["known", `timed${index}@acme.test`],
        ["unknown", `untimed${index}@acme.test`],
      ] as const) {
        const started = performance.now();
        expect((await askForReset(acme, email)).status).toBe(200);
        durations[kind].push(performance.now() - started);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    // Every answer waits out the floor, the work behind it (lookup, token, writes for a member) fits inside it.
    for (const duration of [...durations.known, ...durations.unknown]) expect(duration).toBeGreaterThanOrEqual(RESET_REQUEST_MIN_MS - 5);
    expect(Math.abs(median(durations.known) - median(durations.unknown)), JSON.stringify(durations)).toBeLessThan(100);
    expect(await resetEmails(acme, "timed0@acme.test")).toHaveLength(1);
  });

  it("names the workspace's configured address in the link, whatever Host or X-Forwarded-Host the request carried", async () => {
    await createMember(platform, acme, { email: "forged@acme.test" });
    // Behind the trusted proxy: a forwarded host with a foreign port still names the tenant.
    const forwarded = await askForReset(acme, "forged@acme.test", {
      headers: { "x-forwarded-host": `${host(acme)}:7777`, origin: `http://${host(acme)}:7777` },
    });
    expect(forwarded.status).toBe(200);
    const behindProxy = await latestResetLink(acme, "forged@acme.test");
    expect(behindProxy.startsWith(`${canonicalOrigin(acme)}/reset-password/`)).toBe(true);

    // Without a trusted proxy: X-Forwarded-Host is the client's own invention, and the Host carries a foreign port.
    const direct = await startTestServer(platform, { trustProxy: false });
    try {
      const response = await direct.request(`${host(acme)}:6666`, "/forgot-password", {
        method: "POST",
        body: form({ email: "forged@acme.test" }),
        headers: postHeaders(`http://${host(acme)}:6666`, { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" }),
      });
      expect(response.status).toBe(200);
    } finally {
      await direct.close();
    }
    const direct1 = await latestResetLink(acme, "forged@acme.test");
    expect(direct1).not.toBe(behindProxy);
    expect(direct1.startsWith(`${canonicalOrigin(acme)}/reset-password/`)).toBe(true);
    for (const email of await resetEmails(acme, "forged@acme.test")) {
      expect(email.textBody + email.htmlBody).not.toMatch(/evil\.example|:6666|:7777/);
    }
  });

  it("sends nothing to a deactivated member or a member who signs in only with SSO, with the same answer", async () => {
    const { db, t } = platform.router.forTenant(acme);
    await db.insert(t.users).values({ email: "sso-only@acme.test", name: "Sso Only", role: "agent", passwordHash: null, origin: "sso" });
    const gone = await createMember(platform, acme, { email: "gone@acme.test" });
    await db.update(t.users).set({ active: false }).where(eq(t.users.id, gone.id));
    const unknownPage = withoutNonces(await (await askForReset(acme, "never-heard-of@acme.test")).text());
    for (const email of ["sso-only@acme.test", "gone@acme.test"]) {
      const response = await askForReset(acme, email);
      expect(response.status).toBe(200);
      expect(withoutNonces(await response.text())).toBe(unknownPage);
      expect(await resetEmails(acme, email)).toHaveLength(0);
    }
  });

  it("limits requests per address (from any client) and per client (for any address)", async () => {
    await createMember(platform, acme, { email: "flooded@acme.test" });
    for (let index = 0; index < PASSWORD_RESET_LIMITS.perEmail; index++) expect((await askForReset(acme, "flooded@acme.test")).status).toBe(200);
    const refused = await askForReset(acme, "FLOODED@acme.test");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("Too many reset requests");
    expect(await resetEmails(acme, "flooded@acme.test")).toHaveLength(PASSWORD_RESET_LIMITS.perEmail);

    const prober = freshIp();
    for (let index = 0; index < PASSWORD_RESET_LIMITS.perIp; index++) {
      expect((await askForReset(acme, `probe${index}@acme.test`, { ip: prober })).status).toBe(200);
    }
    expect((await askForReset(acme, "probe-last@acme.test", { ip: prober })).status).toBe(429);
    // The same client in another workspace has its own budget.
    expect((await askForReset(globex, "probe-last@globex.test", { ip: prober })).status).toBe(200);
  });
});

describe("using a reset link", () => {
  it("sets the password once, ends every session, clears the sign-in lock, records it and tells the member", async () => {
    const member = await createMember(platform, acme, { email: "forgetful@acme.test", name: "Forgetful", password: "the old password" });
    const { cookie } = await sessionFor(platform, acme, member.id);
    expect((await server.request(host(acme), "/api/auth/me", { headers: { cookie } })).status).toBe(200);
    // Locked: failures from many addresses used up the account's own limit, so even the right password is refused.
    for (let index = 0; index < ACCOUNT_LOCK_AFTER; index++) expect((await signIn(acme, "forgetful@acme.test", "a wrong guess!")).status).toBe(401);
    expect((await signIn(acme, "forgetful@acme.test", "the old password")).status).toBe(429);

    await askForReset(acme, "forgetful@acme.test");
    const path = new URL(await latestResetLink(acme, "forgetful@acme.test")).pathname;
    const page = await server.request(host(acme), path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("forgetful@acme.test");

    expect((await setNewPassword(acme, path, "short")).status).toBe(400);
    expect((await setNewPassword(acme, path, "a fresh password", "a different one")).status).toBe(400);
    const done = await setNewPassword(acme, path, "a fresh password");
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/login?reset=done");
    expect(await (await server.request(host(acme), "/login?reset=done")).text()).toContain("Your password is changed");

    expect((await server.request(host(acme), "/api/auth/me", { headers: { cookie } })).status).toBe(401);
    const { db, t } = platform.router.forTenant(acme);
    expect(await db.select().from(t.sessions).where(eq(t.sessions.userId, member.id))).toHaveLength(0);
    expect((await signIn(acme, "forgetful@acme.test", "the old password")).status).toBe(401);
    expect((await signIn(acme, "forgetful@acme.test", "a fresh password")).status).toBe(302);

    const [activity] = await db
      .select()
      .from(t.activityLogs)
      .where(and(eq(t.activityLogs.action, "user.password_reset"), eq(t.activityLogs.entityId, member.id)));
    expect(activity).toMatchObject({ actorUserId: member.id, entityType: "user" });
    const [notice] = await db
      .select()
      .from(t.outboundEmails)
      .where(and(eq(t.outboundEmails.kind, "password_changed"), eq(t.outboundEmails.toAddress, "forgetful@acme.test")));
    expect(notice?.subject).toBe("Your Acme password was changed");
    expect(notice?.textBody).toContain(`${canonicalOrigin(acme)}/login`);

    // Single use: the same link now shows the refusal and changes nothing.
    const reused = await setNewPassword(acme, path, "a third password");
    expect(reused.status).toBe(410);
    expect(await reused.text()).toContain("This reset link cannot be used");
    expect((await server.request(host(acme), path)).status).toBe(410);
    expect((await signIn(acme, "forgetful@acme.test", "a fresh password")).status).toBe(302);
  });

  it("refuses expired, superseded, unknown, malformed and another workspace's links", async () => {
    const late = await createMember(platform, acme, { email: "late@acme.test", password: "the old password" });
    await askForReset(acme, "late@acme.test");
    const expired = new URL(await latestResetLink(acme, "late@acme.test")).pathname;
    const { db, t } = platform.router.forTenant(acme);
    await db
      .update(t.passwordResets)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(t.passwordResets.userId, late.id));

    await createMember(platform, acme, { email: "twice@acme.test" });
    await askForReset(acme, "twice@acme.test");
    const superseded = new URL(await latestResetLink(acme, "twice@acme.test")).pathname;
    await askForReset(acme, "twice@acme.test");
    const newest = new URL(await latestResetLink(acme, "twice@acme.test")).pathname;

    await createMember(platform, globex, { email: "other@globex.test" });
    await askForReset(globex, "other@globex.test");
    const foreign = new URL(await latestResetLink(globex, "other@globex.test")).pathname;

    for (const path of [expired, superseded, foreign, `/reset-password/${"A".repeat(43)}`, "/reset-password/short"]) {
      expect((await server.request(host(acme), path)).status, path).toBe(410);
      const refused = await setNewPassword(acme, path, "a takeover password");
      expect(refused.status, path).toBe(410);
      expect(await refused.text()).toContain("This reset link cannot be used");
    }
    expect((await signIn(acme, "late@acme.test", "the old password")).status).toBe(302);
    expect((await setNewPassword(acme, newest, "the newest password")).status).toBe(302);
    // The foreign link still works where it belongs.
    expect((await server.request(host(globex), foreign)).status).toBe(200);
  });
});
