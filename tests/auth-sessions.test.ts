import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme" });
  globex = await createTestTenant(platform, { name: "Globex" });
  // Behind a trusted proxy so each test can speak from its own client IP (X-Forwarded-For).
  server = await startTestServer(platform, { trustProxy: true, env: { LOGIN_MAX_FAILURES_PER_EMAIL: "3", LOGIN_MAX_FAILURES_PER_IP: "8" } });
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const origin = (tenant: TenantRecord) => `http://${host(tenant)}`;

async function login(tenant: TenantRecord, fields: Record<string, string>, clientIp?: string) {
  return server.request(host(tenant), "/login", {
    method: "POST",
    body: form(fields),
    headers: postHeaders(origin(tenant), clientIp ? { "x-forwarded-for": clientIp } : {}),
  });
}

async function me(tenant: TenantRecord, cookie: string) {
  return server.request(host(tenant), "/api/auth/me", { headers: { cookie } });
}

function cookieFrom(response: Response) {
  return response.headers.get("set-cookie")?.split(";")[0] ?? "";
}

describe("password sign-in", () => {
  it("signs in with the right password, writes a session row and sets a host-only httpOnly Lax cookie holding only the session id", async () => {
    const user = await createMember(platform, acme, { email: "ann@acme.test", password: "a long password" });
    const response = await login(acme, { email: "ANN@acme.test", password: "a long password", redirectTo: "/settings/profile" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/settings/profile");
    const setCookie = response.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^conductor_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Domain=/i);
    const { db, t } = platform.router.forTenant(acme);
    const sessions = await db.select().from(t.sessions).where(eq(t.sessions.userId, user.id));
    expect(sessions).toHaveLength(1);
    expect(setCookie).not.toContain(sessions[0]!.id); // the row holds the token's hash, not the token
    expect(await (await me(acme, cookieFrom(response))).json()).toMatchObject({ user: { email: "ann@acme.test" } });
    const activity = await db.select().from(t.activityLogs).where(eq(t.activityLogs.action, "user.signed_in"));
    expect(activity.some((entry) => entry.actorUserId === user.id)).toBe(true);
  });

  it("answers a wrong password and an unknown email with the same message", async () => {
    await createMember(platform, acme, { email: "bob@acme.test", password: "bobs password" });
    const wrongPassword = await login(acme, { email: "bob@acme.test", password: "nope nope nope" }, "10.0.0.2");
    const unknownEmail = await login(acme, { email: "nobody@acme.test", password: "nope nope nope" }, "10.0.0.2");
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const message = "That email and password do not match an active account in this workspace.";
    expect(await wrongPassword.text()).toContain(message);
    expect(await unknownEmail.text()).toContain(message);
    expect(wrongPassword.headers.get("set-cookie")).toBeNull();
  });

  it("follows only same-origin redirect targets after sign-in", async () => {
    await createMember(platform, acme, { email: "red@acme.test", password: "red password 1" });
    for (const target of ["https://evil.test/", "//evil.test/x", "/\\evil.test", "http:evil.test", "javascript:alert(1)", " /x", "/%2F%2Fevil.test"]) {
      const response = await login(acme, { email: "red@acme.test", password: "red password 1", redirectTo: target }, "10.0.0.9");
      expect(response.status, target).toBe(302);
      const location = response.headers.get("location")!;
      expect(new URL(location, "http://acme.localhost").host, `${target} → ${location}`).toBe("acme.localhost");
    }
  });

  it("ends sessions after the idle timeout and after the absolute lifetime", async () => {
    const user = await createMember(platform, acme, { email: "idle@acme.test" });
    const idle = await sessionFor(platform, acme, user.id);
    const old = await sessionFor(platform, acme, user.id);
    const { db, t } = platform.router.forTenant(acme);
    await db
      .update(t.sessions)
      .set({ lastActiveAt: sql`now() - interval '13 hours'` })
      .where(eq(t.sessions.id, idle.sessionId));
    await db
      .update(t.sessions)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(t.sessions.id, old.sessionId));
    expect((await me(acme, idle.cookie)).status).toBe(401);
    expect((await me(acme, old.cookie)).status).toBe(401);
    expect(await db.select().from(t.sessions).where(eq(t.sessions.userId, user.id))).toHaveLength(0);
  });

  it("signs out by deleting the session row", async () => {
    const user = await createMember(platform, acme, { email: "out@acme.test" });
    const session = await sessionFor(platform, acme, user.id);
    const response = await server.request(host(acme), "/logout", {
      method: "POST",
      body: form({ csrf: session.csrf }),
      headers: postHeaders(origin(acme), { cookie: session.cookie }),
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/login");
    expect((await me(acme, session.cookie)).status).toBe(401);
  });

  it("refuses GET on sign-out", async () => {
    const user = await createMember(platform, acme, { email: "get@acme.test" });
    const session = await sessionFor(platform, acme, user.id);
    const response = await server.request(host(acme), "/logout", { headers: { cookie: session.cookie } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect((await me(acme, session.cookie)).status).toBe(200);
  });

  it("treats a session of tenant A presented on tenant B as anonymous", async () => {
    const user = await createMember(platform, acme, { email: "cross@acme.test" });
    const session = await sessionFor(platform, acme, user.id);
    expect((await me(acme, session.cookie)).status).toBe(200);
    expect((await me(globex, session.cookie)).status).toBe(401);
    const page = await server.request(host(globex), "/dashboard", { headers: { cookie: session.cookie } });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/login?redirectTo=%2Fdashboard");
  });
});

describe("sign-in rate limits", () => {
  it("blocks an email+IP after repeated failures with 429 and Retry-After, even when the right password follows", async () => {
    await createMember(platform, acme, { email: "limited@acme.test", password: "the right password" });
    for (let i = 0; i < 3; i += 1) expect((await login(acme, { email: "limited@acme.test", password: `wrong ${i} wrong` }, "10.1.0.1")).status).toBe(401);
    const blocked = await login(acme, { email: "limited@acme.test", password: "the right password" }, "10.1.0.1");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain("Too many attempts");
    expect(blocked.headers.get("set-cookie")).toBeNull();
    // The same email from another address, and the same address in another workspace, are not blocked.
    expect((await login(acme, { email: "limited@acme.test", password: "the right password" }, "10.1.0.2")).status).toBe(302);
  });

  it("blocks a client IP that tries many emails", async () => {
    for (let i = 0; i < 8; i += 1) await login(acme, { email: `guess${i}@acme.test`, password: "guess guess" }, "10.2.0.1");
    const blocked = await login(acme, { email: "another@acme.test", password: "guess guess" }, "10.2.0.1");
    expect(blocked.status).toBe(429);
    expect((await login(globex, { email: "another@acme.test", password: "guess guess" }, "10.2.0.1")).status).toBe(401);
  });
});

describe("deactivation", () => {
  it("signs the member out at once: their next request is anonymous", async () => {
    const admin = await createMember(platform, acme, { email: "boss@acme.test", role: "admin" });
    const agent = await createMember(platform, acme, { email: "leaver@acme.test" });
    const adminSession = await sessionFor(platform, acme, admin.id);
    const agentSession = await sessionFor(platform, acme, agent.id);
    expect((await me(acme, agentSession.cookie)).status).toBe(200);
    const response = await server.request(host(acme), "/settings/team", {
      method: "POST",
      body: form({ csrf: adminSession.csrf, intent: "deactivate", userId: String(agent.id) }),
      headers: postHeaders(origin(acme), { cookie: adminSession.cookie }),
    });
    expect(response.status).toBe(200);
    expect((await me(acme, agentSession.cookie)).status).toBe(401);
    expect((await login(acme, { email: "leaver@acme.test", password: "correct horse battery" }, "10.3.0.1")).status).toBe(401);
  });
});
