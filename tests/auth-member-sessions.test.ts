import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeUserAgent } from "../app/auth/user-agent-summary";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

// Issue 20 item 4: a member's sessions on /settings/profile, and an admin's view of anyone's.
const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let adminId: number;
let agentId: number;

type Session = { cookie: string; csrf: string; sessionId: string };
const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (path: string, session: Session, tenant = acme) => server.request(host(tenant), path, { headers: { cookie: session.cookie } });
const post = (path: string, fields: Array<[string, string]>, session: Session, tenant = acme) =>
  server.request(host(tenant), path, {
    method: "POST",
    body: new URLSearchParams([["csrf", session.csrf], ...fields]).toString(),
    headers: postHeaders(`http://${host(tenant)}`, { cookie: session.cookie }),
  });
const signedIn = async (session: Session) => (await get("/dashboard", session)).status === 200;
const handlesIn = (html: string) => [...html.matchAll(/name="session" value="([A-Za-z0-9_-]{22})"/g)].map((match) => match[1]!);

async function sessionWithAgent(userId: number, userAgent: string, tenant = acme): Promise<Session> {
  const session = await sessionFor(platform, tenant, userId);
  const { db, t } = platform.router.forTenant(tenant);
  await db.update(t.sessions).set({ userAgent, ipAddress: "203.0.113.7" }).where(eq(t.sessions.id, session.sessionId));
  return session;
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme Sessions" }), createTestTenant(platform, { name: "Globex Sessions" })]);
  adminId = (await createMember(platform, acme, { email: "boss@sessions.test", role: "admin", name: "Bea Boss" })).id;
  agentId = (await createMember(platform, acme, { email: "agent@sessions.test", name: "Al Agent" })).id;
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("a member's own sessions", () => {
  it("lists them with device, address and this one marked; signs one out, then all the others, keeping this one", async () => {
    const laptop = await sessionWithAgent(agentId, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0");
    const phone = await sessionWithAgent(
      agentId,
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1",
    );
    const tablet = await sessionWithAgent(agentId, "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Safari/537.36");
    const html = await (await get("/settings/profile", laptop)).text();
    expect(html).toContain("Firefox on Windows");
    expect(html).toContain("Safari on iPhone");
    expect(html).toContain("Chrome on Android");
    expect(html).toContain("203.0.113.7");
    expect(html.match(/This session/g)).toHaveLength(1);
    expect(html).not.toContain(laptop.sessionId);
    const handles = handlesIn(html);
    expect(handles).toHaveLength(2); // no "Sign out" for the session in use

    const ended = await post(
      "/settings/profile",
      [
        ["intent", "end-session"],
        ["session", handles[0]!],
      ],
      laptop,
    );
    expect(await ended.text()).toContain("That session is signed out.");
    expect([await signedIn(phone), await signedIn(tablet)].filter(Boolean)).toHaveLength(1);
    expect(await signedIn(laptop)).toBe(true);

    const others = await post("/settings/profile", [["intent", "end-other-sessions"]], laptop);
    expect(await others.text()).toContain("1 other session is signed out.");
    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(tablet)).toBe(false);
    expect(await signedIn(laptop)).toBe(true);
  });

  it("cannot sign out another member's session by its handle", async () => {
    const mine = await sessionFor(platform, acme, agentId);
    const bossSession = await sessionFor(platform, acme, adminId);
    const bossHandles = handlesIn(await (await get(`/settings/team/${adminId}/sessions`, await sessionFor(platform, acme, adminId))).text());
    expect(bossHandles.length).toBeGreaterThan(0);
    for (const handle of [...bossHandles, "not-a-handle", "A".repeat(5000)]) {
      const response = await post(
        "/settings/profile",
        [
          ["intent", "end-session"],
          ["session", handle],
        ],
        mine,
      );
      expect(await response.text()).toContain("That session was not found");
    }
    expect(await signedIn(bossSession)).toBe(true);
  });
});

describe("an admin's view of a member's sessions", () => {
  it("lists and ends any member's sessions; agents get 403; another workspace's member is a 404", async () => {
    const admin = await sessionFor(platform, acme, adminId);
    const first = await sessionWithAgent(agentId, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15");
    const second = await sessionWithAgent(agentId, "curl/8.7.1");
    const page = `/settings/team/${agentId}/sessions`;
    const html = await (await get(page, admin)).text();
    expect(html).toContain("Sessions of Al Agent");
    expect(html).toContain("Safari on macOS");
    expect(html).toContain("curl");
    expect((await get("/settings/team", admin)).status).toBe(200);

    const agent = await sessionFor(platform, acme, agentId);
    expect((await get(page, agent)).status).toBe(403);
    expect((await post(page, [["intent", "end-other-sessions"]], agent)).status).toBe(403);
    expect(await signedIn(first)).toBe(true);

    const [handle] = handlesIn(html);
    expect(
      await (
        await post(
          page,
          [
            ["intent", "end-session"],
            ["session", handle!],
          ],
          admin,
        )
      ).text(),
    ).toContain("That session is signed out.");
    await post(page, [["intent", "end-other-sessions"]], admin);
    expect([await signedIn(first), await signedIn(second), await signedIn(agent)]).toEqual([false, false, false]);
    expect(await signedIn(admin)).toBe(true);

    const globexAdmin = await sessionFor(platform, globex, (await createMember(platform, globex, { email: "boss@globex-sessions.test", role: "admin" })).id);
    expect((await get(page, globexAdmin, globex)).status).toBe(404);
    expect((await get(`/settings/team/abc/sessions`, admin)).status).toBe(404);
    const { db, t } = platform.router.forTenant(acme);
    const entries = await db.select({ action: t.activityLogs.action }).from(t.activityLogs).where(eq(t.activityLogs.actorUserId, adminId));
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(["user.session_ended", "user.sessions_ended"]));
  });
});

describe("describeUserAgent", () => {
  it("names common browsers and systems, Edge and Opera before Chrome, and says when it does not know", () => {
    expect(describeUserAgent("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0")).toBe("Edge on Windows");
    expect(describeUserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 OPR/111.0")).toBe("Opera on Linux");
    expect(describeUserAgent("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 CriOS/126.0 Mobile Safari/604.1")).toBe("Chrome on iPad");
    expect(describeUserAgent("Mozilla/5.0 (X11; CrOS x86_64 15917.71.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36")).toBe("Chrome on ChromeOS");
    expect(describeUserAgent(null)).toBe("Unknown device");
    expect(describeUserAgent("SomethingElse/1.0")).toBe("Unknown browser");
  });
});
