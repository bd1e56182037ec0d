import type { ServerBuild } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../app/auth/access";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { loadServerBuild } from "./support/server-build";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let sibling: TenantRecord;
let admin: { cookie: string; csrf: string };
let agent: { cookie: string; csrf: string };
let adminId: number;

beforeAll(async () => {
  acme = await createTestTenant(platform);
  sibling = await createTestTenant(platform);
  const a = await createMember(platform, acme, { email: "admin@x.test", role: "admin", name: "Original Name" });
  adminId = a.id;
  admin = await sessionFor(platform, acme, a.id);
  agent = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@x.test" })).id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = () => `${acme.slug}.localhost`;

async function renameAs(headers: Record<string, string>, body: Record<string, string>) {
  return server.request(host(), "/settings/profile", {
    method: "POST",
    body: form({ intent: "rename", name: "Changed By Attacker", ...body }),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });
}

async function adminName() {
  const { db, t } = platform.router.forTenant(acme);
  return (await db.select({ name: t.users.name }).from(t.users).where(eq(t.users.id, adminId)))[0]!.name;
}

describe("CSRF protection", () => {
  const sameOrigin = () => `http://${host()}`;

  it.each([
    ["no CSRF token", () => ({ origin: sameOrigin(), cookie: admin.cookie }), () => ({})],
    ["a wrong CSRF token", () => ({ origin: sameOrigin(), cookie: admin.cookie }), () => ({ csrf: "not-the-token" })],
    ["another session's CSRF token", () => ({ origin: sameOrigin(), cookie: admin.cookie }), () => ({ csrf: agent.csrf })],
    ["a foreign Origin", () => ({ origin: "https://evil.test", cookie: admin.cookie }), () => ({ csrf: admin.csrf })],
    ["a sibling tenant's Origin", () => ({ origin: `http://${sibling.slug}.localhost`, cookie: admin.cookie }), () => ({ csrf: admin.csrf })],
    ["no Origin or Referer", () => ({ cookie: admin.cookie }), () => ({ csrf: admin.csrf })],
  ])("refuses a state change with %s and changes nothing", async (_why, headers, body) => {
    const response = await renameAs(headers(), body());
    expect(response.status).toBe(403);
    expect(await adminName()).toBe("Original Name");
  });

  it("accepts the same change with the session's token from the same origin", async () => {
    const response = await server.request(host(), "/settings/profile", {
      method: "POST",
      body: form({ intent: "rename", name: "Renamed Properly", csrf: admin.csrf }),
      headers: postHeaders(`http://${host()}`, { cookie: admin.cookie }),
    });
    expect(response.status).toBe(200);
    expect(await adminName()).toBe("Renamed Properly");
  });

  it("accepts the token in the X-CSRF-Token header", async () => {
    const response = await server.request(host(), "/settings/profile", {
      method: "POST",
      body: form({ intent: "rename", name: "Original Name" }),
      headers: postHeaders(`http://${host()}`, { cookie: admin.cookie, "x-csrf-token": admin.csrf }),
    });
    expect(response.status).toBe(200);
    expect(await adminName()).toBe("Original Name");
  });
});

describe("route access declarations", () => {
  let build: ServerBuild;
  beforeAll(async () => {
    build = await loadServerBuild();
  });

  it("every route declares who may use it", () => {
    const undeclared = Object.entries(build.routes)
      .filter(([, route]) => !(ACCESS_LEVELS as readonly string[]).includes((route.module.handle as { access?: string } | undefined)?.access ?? ""))
      .map(([id]) => id);
    expect(undeclared).toEqual([]);
  });

  it("enforces each declaration for anonymous, agent and admin requests", async () => {
    const fullPath = (id: string): string => {
      const route = build.routes[id]!;
      const parent = route.parentId ? fullPath(route.parentId) : "";
      return [parent, route.path ?? ""].filter(Boolean).join("/");
    };
    const checked: string[] = [];
    for (const [id, route] of Object.entries(build.routes)) {
      // Pathless layouts cannot be requested alone; their children exercise them.
      if (!route.module.loader || id === "root" || (route.path === undefined && !route.index)) continue;
      const access = (route.module.handle as { access: string }).access;
      const url = `/${fullPath(id).replace(/:[^/]+/g, "some-param")}`.replace(/\/+/g, "/");
      const as = async (who: "anonymous" | "agent" | "admin") =>
        server.request(host(), url, { headers: who === "anonymous" ? {} : { cookie: who === "admin" ? admin.cookie : agent.cookie } });
      const [anonymous, asAgent, asAdmin] = [await as("anonymous"), await as("agent"), await as("admin")];
      const deniedAnonymous = (r: Response) =>
        url.startsWith("/api/") ? r.status === 401 : r.status === 302 && r.headers.get("location")?.startsWith("/login?redirectTo=");
      if (access === "public") {
        expect(deniedAnonymous(anonymous), `${url} public`).toBe(false);
        expect([401, 403]).not.toContain(anonymous.status);
      } else {
        expect(deniedAnonymous(anonymous), `${url} (${access}) anonymous got ${anonymous.status}`).toBe(true);
        expect(asAdmin.status, `${url} admin`).not.toBe(403);
        expect(asAdmin.status, `${url} admin`).not.toBe(401);
        if (access === "admin") expect(asAgent.status, `${url} agent`).toBe(403);
        else expect([401, 403], `${url} agent`).not.toContain(asAgent.status);
      }
      checked.push(`${access} ${url}`);
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        "agent /dashboard",
        "admin /settings/team",
        "admin /settings/sso",
        "agent /settings/profile",
        "agent /api/auth/me",
        "public /login",
      ]),
    );
  });

  it("answers anonymous /api requests with a structured 401 and agents on admin endpoints with 403", async () => {
    const response = await server.request(host(), "/api/auth/me");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: "unauthenticated", message: expect.any(String), details: null } });
  });
});
