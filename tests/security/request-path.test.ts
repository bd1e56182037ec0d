import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../app/auth/api-tokens.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { createMember, form, sessionFor } from "../support/auth";
import { createTestTenant, openTestPlatform } from "../support/test-platform";
import { startTestServer, type TestServer } from "../support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let token: string;
let session: { cookie: string; csrf: string };

beforeAll(async () => {
  acme = await createTestTenant(platform);
  const admin = await createMember(platform, acme, { email: "admin@paths.test", role: "admin", name: "Ada Admin" });
  token = (await createApiToken(platform.router.forTenant(acme), admin, "automation")).token;
  session = await sessionFor(platform, acme, admin.id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = () => `${acme.slug}.localhost`;
/** What the attacker holds: the token and nothing else (no cookie, no Origin, no CSRF token). */
const withTokenOnly = (path: string, init: { method?: string; body?: string } = {}) =>
  server.request(host(), path, {
    method: init.method ?? "GET",
    body: init.body,
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
  });

async function tokenCount() {
  const { db, t } = platform.router.forTenant(acme);
  return (await db.select({ id: t.apiTokens.id }).from(t.apiTokens)).length;
}

async function inviteCount() {
  const { db, t } = platform.router.forTenant(acme);
  return (await db.select({ id: t.invites.id }).from(t.invites)).length;
}

/** Sends a request line exactly as written (node:http would refuse some of these targets). */
function rawRequest(requestLine: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("end", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on("error", reject);
    const lines = [requestLine, ...Object.entries({ ...headers, connection: "close" }).map(([name, value]) => `${name}: ${value}`)];
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}

// Every way of writing "/api/ then up one level" that some reader of the path resolves.
const PROFILE_VIA_API = [
  "/api/%2e%2e/settings/profile",
  "/api/../settings/profile",
  "/api/%2E%2E/settings/profile",
  "/api/%2e%2E/settings/profile",
  "/api/.%2e/settings/profile",
  "/api/%2e./settings/profile",
  "/api/./../settings/profile",
  "/api/%2e/%2e%2e/settings/profile",
  "/api/tickets/%2e%2e/%2e%2e/settings/profile",
  "/api/..\\settings/profile",
  "/api\\..\\settings\\profile",
  "/api/..%5csettings/profile",
  "/api/..%5Csettings/profile",
  "/api/%2e%2e%2fsettings/profile",
  "/api%2f..%2fsettings/profile",
  "/api/%2e%2e%2Fsettings/profile",
  "/api//../settings/profile",
  "/api/%2e%2e%00/settings/profile",
  "/API/../settings/profile",
];

describe("a personal API token authenticates /api/* and nothing else (issue 11, hole 2)", () => {
  it.each(PROFILE_VIA_API)("refuses %s with 400, and no token is minted", async (path) => {
    const before = await tokenCount();
    const response = await withTokenOnly(path, { method: "POST", body: form({ intent: "create-token", tokenName: "stolen" }) });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain("stolen");
    expect(await tokenCount()).toBe(before);
  });

  it("does not let the token create an admin invite through /api/../settings/team or read a console page", async () => {
    const invite = form({ intent: "invite", email: "mallory@evil.test", role: "admin" });
    for (const path of ["/api/../settings/team", "/api/%2e%2e/settings/team", "/api/%2E./settings/team"]) {
      expect((await withTokenOnly(path, { method: "POST", body: invite })).status, path).toBe(400);
    }
    expect(await inviteCount()).toBe(0);
    for (const path of ["/api/%2e%2e/settings/profile", "/api/%2e%2e/settings/team", "/api/%2e%2e/tickets", "/api/..%2fcustomers"]) {
      const page = await withTokenOnly(path);
      expect(page.status, path).toBe(400);
      expect(await page.text(), path).not.toContain("Ada Admin");
    }
  });

  it("ignores the token on console pages themselves: it is no one there", async () => {
    const before = await tokenCount();
    const post = await withTokenOnly("/settings/profile", { method: "POST", body: form({ intent: "create-token", tokenName: "stolen" }) });
    expect(post.status).toBeGreaterThanOrEqual(300);
    const get = await withTokenOnly("/settings/profile");
    expect(get.status).toBe(302);
    expect(get.headers.get("location")).toMatch(/^\/login\?/);
    expect(await tokenCount()).toBe(before);
  });

  it("refuses other ambiguous paths with 400 before static files, tenant resolution and authentication run", async () => {
    const cases: Array<[string, string]> = [
      [host(), "/%61pi/auth/me"],
      [host(), "/API/auth/me"],
      [host(), "/Api/tickets"],
      [host(), "/tickets//1001"],
      [host(), "/tickets/%zz"],
      [host(), "/tickets/%C0%AE%C0%AE/settings"],
      [host(), "/build/%2e%2e/%2e%2e/package.json"],
      [host(), "/..%2f..%2fpackage.json"],
      ["nosuch-workspace.localhost", "/api/%2e%2e/settings/profile"],
      ["localhost", "/%2e%2e/etc/passwd"],
    ];
    for (const [hostname, path] of cases) {
      const response = await server.request(hostname, path, { headers: { authorization: `Bearer ${token}`, cookie: session.cookie } });
      expect(response.status, `${hostname} ${path}`).toBe(400);
    }
    const api = await withTokenOnly("/api/%2e%2e/auth/me");
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("bad_request_path");
    const page = await withTokenOnly("/tickets/%2e%2e/settings");
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("This address is not valid");

    const absolute = await rawRequest("POST http://evil.test/api/../settings/profile HTTP/1.1", {
      host: host(),
      authorization: `Bearer ${token}`,
      "content-length": "0",
    });
    expect(absolute.status).toBe(400);
    const asterisk = await rawRequest("OPTIONS * HTTP/1.1", { host: host() });
    expect(asterisk.status).toBe(400);
  });

  it("still serves well-formed paths: the token on /api, the session on pages, dots and encodings in queries", async () => {
    const me = await withTokenOnly("/api/auth/me");
    expect(me.status).toBe(200);
    expect(((await me.json()) as { authenticatedWith: string }).authenticatedWith).toBe("token");
    expect((await withTokenOnly("/api/tickets?q=..%2f..%2e%2e")).status).toBe(200);
    const page = await server.request(host(), "/settings/profile?next=%2e%2e/x", { headers: { cookie: session.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Ada Admin");
    expect((await server.request(host(), "/tickets/", { headers: { cookie: session.cookie } })).status).toBe(200);
  });
});
