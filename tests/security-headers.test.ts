import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let tenant: TenantRecord;

beforeAll(async () => {
  tenant = await createTestTenant(platform);
  server = await startTestServer(platform, { trustProxy: true, env: { GLOBAL_RATE_LIMIT_PER_MINUTE: "20" } });
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("security headers", () => {
  it("sends a Content-Security-Policy whose per-request nonce is on every script Remix renders", async () => {
    const first = await server.request(`${tenant.slug}.localhost`, "/login", { headers: { "x-forwarded-for": "10.9.0.1" } });
    const second = await server.request(`${tenant.slug}.localhost`, "/login", { headers: { "x-forwarded-for": "10.9.0.1" } });
    const policy = first.headers.get("content-security-policy")!;
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(second.headers.get("content-security-policy")).not.toContain(nonce!);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    const html = await first.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("referrer-policy")).toBe("same-origin");
  });
});

describe("global rate limit", () => {
  it("answers 429 with Retry-After once a client IP passes its requests per minute, other clients unaffected", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i += 1)
      statuses.push((await server.request(`${tenant.slug}.localhost`, "/login", { headers: { "x-forwarded-for": "10.9.9.9" } })).status);
    expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
    const limited = await server.request(`${tenant.slug}.localhost`, "/api/auth/me", { headers: { "x-forwarded-for": "10.9.9.9" } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect((await server.request(`${tenant.slug}.localhost`, "/login", { headers: { "x-forwarded-for": "10.9.9.10" } })).status).toBe(200);
  });
});
