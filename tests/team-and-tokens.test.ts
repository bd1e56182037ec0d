import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeRole, setActive } from "../app/team/team.server";
import { acceptInvite, createInvite, findPendingInvite } from "../app/team/invites.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;

describe("invites", () => {
  it("an admin invites by email; the single-use link sets a password, signs the person in and is logged", async () => {
    const admin = await createMember(platform, acme, { email: "lead@acme.test", role: "admin" });
    const session = await sessionFor(platform, acme, admin.id);
    const created = await server.request(host(acme), "/settings/team", {
      method: "POST",
      body: form({ csrf: session.csrf, intent: "invite", email: "New.Hire@acme.test", role: "agent" }),
      headers: postHeaders(`http://${host(acme)}`, { cookie: session.cookie }),
    });
    expect(created.status).toBe(200);
    const link = /http:\/\/[^"<\s]+\/invite\/[A-Za-z0-9_-]+/.exec(await created.text())?.[0];
    expect(link).toBeDefined();
    const invitePath = new URL(link!).pathname;

    const page = await server.request(host(acme), invitePath);
    expect(await page.text()).toContain("new.hire@acme.test");
    const accepted = await server.request(host(acme), invitePath, {
      method: "POST",
      body: form({ name: "New Hire", password: "a brand new password" }),
      headers: postHeaders(`http://${host(acme)}`),
    });
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get("location")).toBe("/dashboard");
    const cookie = accepted.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await server.request(host(acme), "/api/auth/me", { headers: { cookie } })).json()).toMatchObject({
      user: { email: "new.hire@acme.test", role: "agent", name: "New Hire" },
    });

    const reused = await server.request(host(acme), invitePath, {
      method: "POST",
      body: form({ name: "Again", password: "another password" }),
      headers: postHeaders(`http://${host(acme)}`),
    });
    expect(reused.status).toBe(410);
    const { db, t } = platform.router.forTenant(acme);
    const actions = (await db.select({ action: t.activityLogs.action }).from(t.activityLogs)).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(["invite.created", "invite.accepted"]));
  });

  it("refuses expired, reused, empty, whitespace, malformed and foreign-tenant tokens the same way", async () => {
    const handle = platform.router.forTenant(acme);
    const { token: expired } = await createInvite(handle, null, { email: "late@acme.test", role: "agent" }, 1);
    await handle.db
      .update(handle.t.invites)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(handle.t.invites.email, "late@acme.test"));
    const { token: used } = await createInvite(handle, null, { email: "used@acme.test", role: "agent" }, 1);
    await acceptInvite(handle, used, { name: "Used", password: "a long password" });
    const { token: foreign } = await createInvite(platform.router.forTenant(globex), null, { email: "other@globex.test", role: "admin" }, 1);
    const { token: good } = await createInvite(handle, null, { email: "good@acme.test", role: "agent" }, 1);

    for (const token of [expired, used, "", "   ", ` ${good} `, "x".repeat(43), "../../etc/passwd", foreign]) {
      expect(await findPendingInvite(handle, token), JSON.stringify(token)).toBeNull();
      await expect(acceptInvite(handle, token, { name: "Mallory", password: "a long password" })).rejects.toMatchObject({ code: "invite_invalid" });
      const page = await server.request(host(acme), `/invite/${encodeURIComponent(token) || "%20"}`);
      // An encoded slash makes the path ambiguous: refused before any route runs.
      if (token.includes("/")) expect(page.status).toBe(400);
      else expect(await page.text()).toContain("This invite link cannot be used");
    }
    expect(await findPendingInvite(handle, good)).toMatchObject({ email: "good@acme.test" });
  });

  it("refuses to invite an existing member", async () => {
    await createMember(platform, acme, { email: "member@acme.test" });
    await expect(createInvite(platform.router.forTenant(acme), null, { email: "member@acme.test", role: "agent" }, 1)).rejects.toThrow(/already a member/);
  });
});

describe("team rules", () => {
  it("never demotes or deactivates the last active admin, even when two admins race", async () => {
    const tenant = await createTestTenant(platform);
    const handle = platform.router.forTenant(tenant);
    const [first] = await handle.db.select().from(handle.t.users);
    const firstAdmin = { id: first!.id, email: first!.email, name: first!.name, role: first!.role };
    await expect(changeRole(handle, firstAdmin, firstAdmin.id, "agent")).rejects.toMatchObject({ code: "team_rule" });
    await expect(setActive(handle, firstAdmin, firstAdmin.id, false)).rejects.toThrow(/last active admin/);

    const second = await createMember(platform, tenant, { email: "second@x.test", role: "admin" });
    const results = await Promise.allSettled([changeRole(handle, firstAdmin, second.id, "agent"), changeRole(handle, second, firstAdmin.id, "agent")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const admins = await handle.db.select().from(handle.t.users).where(eq(handle.t.users.role, "admin"));
    expect(admins).toHaveLength(1);

    const log = await handle.db.select().from(handle.t.activityLogs).where(eq(handle.t.activityLogs.action, "user.role_changed"));
    expect(log[0]!.changes).toEqual({ role: { from: "admin", to: "agent" } });
  });

  it("keeps agents out of team administration", async () => {
    const agent = await createMember(platform, acme, { email: "plain@acme.test" });
    const session = await sessionFor(platform, acme, agent.id);
    const response = await server.request(host(acme), "/settings/team", {
      method: "POST",
      body: form({ csrf: session.csrf, intent: "role", userId: String(agent.id), role: "admin" }),
      headers: postHeaders(`http://${host(acme)}`, { cookie: session.cookie }),
    });
    expect(response.status).toBe(403);
    const { db, t } = platform.router.forTenant(acme);
    expect((await db.select({ role: t.users.role }).from(t.users).where(eq(t.users.id, agent.id)))[0]!.role).toBe("agent");
  });
});

describe("personal API tokens", () => {
  it("creates a token shown once, authenticates /api with it, records last use, and stops working once revoked", async () => {
    const user = await createMember(platform, acme, { email: "robot@acme.test" });
    const session = await sessionFor(platform, acme, user.id);
    const post = (body: Record<string, string>) =>
      server.request(host(acme), "/settings/profile", {
        method: "POST",
        body: form({ csrf: session.csrf, ...body }),
        headers: postHeaders(`http://${host(acme)}`, { cookie: session.cookie }),
      });
    const html = await (await post({ intent: "create-token", tokenName: "Reporting" })).text();
    const token = /cdr_[A-Za-z0-9_-]{20,}/.exec(html)?.[0];
    expect(token).toBeDefined();

    const meWith = (value: string) => server.request(host(acme), "/api/auth/me", { headers: { authorization: `Bearer ${value}` } });
    expect(await (await meWith(token!)).json()).toMatchObject({ user: { email: "robot@acme.test" }, authenticatedWith: "token" });
    expect((await meWith(token!)).status).toBe(200);
    expect((await server.request(host(globex), "/api/auth/me", { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await meWith("cdr_not-a-real-token-at-all-0000000000")).status).toBe(401);

    const { db, t } = platform.router.forTenant(acme);
    const [row] = await db.select().from(t.apiTokens).where(eq(t.apiTokens.userId, user.id));
    expect(row!.tokenHash).not.toContain(token!);
    expect(row!.lastUsedAt).not.toBeNull();
    expect(await (await server.request(host(acme), "/settings/profile", { headers: { cookie: session.cookie } })).text()).not.toContain(token!);

    expect((await post({ intent: "revoke-token", tokenId: String(row!.id) })).status).toBe(200);
    expect((await meWith(token!)).status).toBe(401);
    const actions = (await db.select({ action: t.activityLogs.action }).from(t.activityLogs).where(eq(t.activityLogs.actorUserId, user.id))).map(
      (r) => r.action,
    );
    expect(actions).toEqual(expect.arrayContaining(["api_token.created", "api_token.revoked"]));
  });

  it("changing the password needs the current one and signs out the other sessions", async () => {
    const user = await createMember(platform, acme, { email: "pw@acme.test", password: "old password 123" });
    const current = await sessionFor(platform, acme, user.id);
    const other = await sessionFor(platform, acme, user.id);
    const change = (currentPassword: string) =>
      server.request(host(acme), "/settings/profile", {
        method: "POST",
        body: form({ csrf: current.csrf, intent: "password", currentPassword, newPassword: "new password 456", confirmPassword: "new password 456" }),
        headers: postHeaders(`http://${host(acme)}`, { cookie: current.cookie }),
      });
    const wrong = await change("not my password");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That is not your current password");
    expect((await change("old password 123")).status).toBe(200);
    const me = (cookie: string) => server.request(host(acme), "/api/auth/me", { headers: { cookie } });
    expect((await me(current.cookie)).status).toBe(200);
    expect((await me(other.cookie)).status).toBe(401);
  });
});
