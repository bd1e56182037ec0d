import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTenantStatus } from "../tenancy/provisioning";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let tenant: TenantRecord;
let suspended: TenantRecord;

beforeAll(async () => {
  tenant = await createTestTenant(platform, { name: "Globex Corp" });
  suspended = await createTestTenant(platform, { name: "Initech" });
  await setTenantStatus(platform.control, suspended.slug, "suspended");
  server = await startTestServer(platform);
});

afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("HTTP tenant resolution", () => {
  it.each(["%s.localhost", "%s.localhost:3000", "%S.LOCALHOST", "%s.localhost."])("serves the workspace at %s", async (pattern) => {
    const host = pattern.replace("%s", tenant.slug).replace("%S", tenant.slug.toUpperCase());
    const response = await server.request(host);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<title>Globex Corp · Conductor</title>");
  });

  it.each(["nobody-here.localhost", "x.%s.localhost", "%s.example.com", "127.0.0.1", "[::1]:3000", "ab.localhost"])(
    "answers %s with the 404 page",
    async (pattern) => {
      const response = await server.request(pattern.replace("%s", tenant.slug));
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("Workspace not found");
    },
  );

  it("shows the suspended page for a suspended workspace, with no Remix render", async () => {
    const response = await server.request(`${suspended.slug}.localhost`, "/tickets");
    expect(response.status).toBe(423);
    const html = await response.text();
    expect(html).toContain("This workspace is suspended");
    expect(html).toContain("Initech");
  });

  it("shows the landing page on the bare domain", async () => {
    const response = await server.request("localhost:3000");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Customer support, conducted.");
  });

  it("ignores X-Forwarded-Host when no proxy is trusted", async () => {
    const response = await server.request("nobody-here.localhost", "/", { headers: { "x-forwarded-host": `${tenant.slug}.localhost` } });
    expect(response.status).toBe(404);
  });

  it("follows X-Forwarded-Host behind a trusted proxy", async () => {
    const proxied = await startTestServer(platform, { trustProxy: true });
    try {
      const response = await proxied.request("internal-lb:8080", "/", { headers: { "x-forwarded-host": `${tenant.slug}.localhost` } });
      expect(response.status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it("answers an unknown path inside a workspace with the app's 404 page", async () => {
    const response = await server.request(`${tenant.slug}.localhost`, "/no/such/page");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("Page not found");
  });
});

describe("health endpoints and request logs", () => {
  it("answers /healthz and /readyz on any host", async () => {
    expect(await (await server.request("localhost", "/healthz")).json()).toEqual({ status: "ok" });
    expect(await (await server.request("whatever.example", "/readyz")).json()).toEqual({ status: "ready" });
  });

  it("logs one structured line per request with id, tenant, method, path, status and duration", async () => {
    const response = await server.request(`${tenant.slug}.localhost`, "/?secret=1", { headers: { "x-request-id": "test-request-0001" } });
    expect(response.headers.get("x-request-id")).toBe("test-request-0001");
    const line = server.logs.find((entry) => (entry.req as { id?: string } | undefined)?.id === "test-request-0001");
    expect(line).toMatchObject({ tenant: tenant.slug, req: { method: "GET", path: "/" }, res: { status: 200 }, durationMs: expect.any(Number) });
  });
});
