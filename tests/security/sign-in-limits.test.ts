import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server";
import { PORTAL_LIMITS } from "../../app/portal/portal-rate-limits.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { createMember, form, postHeaders } from "../support/auth";
import { createTestTenant, openTestPlatform } from "../support/test-platform";
import { startTestServer, type TestServer } from "../support/test-server";

// Hole 6 of issue 11: the sign-in limits could be passed by racing them, by spreading guesses over
// addresses, by walking an IPv6 /64, and by writing your own X-Forwarded-For.

const PER_EMAIL_AND_ADDRESS = 5;
const PER_ACCOUNT = 8;

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Limits Inc" });
  // One proxy in front (the test plays it): the client is the right-most X-Forwarded-For entry.
  server = await startTestServer(platform, {
    env: {
      TRUST_PROXY: "1",
      LOGIN_MAX_FAILURES_PER_EMAIL: String(PER_EMAIL_AND_ADDRESS),
      LOGIN_MAX_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT),
      GLOBAL_RATE_LIMIT_PER_MINUTE: "100000",
    },
  });
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = () => `${acme.slug}.localhost`;
const origin = () => `http://${host()}`;

function post(path: string, fields: Record<string, string>, forwardedFor: string) {
  return server.request(host(), path, { method: "POST", body: form(fields), headers: postHeaders(origin(), { "x-forwarded-for": forwardedFor }) });
}
const signIn = (email: string, password: string, forwardedFor: string) => post("/login", { email, password }, forwardedFor);
const askForCode = (email: string, forwardedFor: string) => post("/portal/login", { email }, forwardedFor);
const enterCode = (email: string, forwardedFor: string) =>
  post("/portal/login", { intent: "verify", email, code: "000000", redirectTo: "/portal/tickets" }, forwardedFor);

async function statuses(responses: Array<Promise<Response>>): Promise<number[]> {
  return (await Promise.all(responses)).map((response) => response.status);
}
const count = (list: number[], status: number) => list.filter((value) => value === status).length;
/** 1..n */
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function accountLockedEmails(to: string) {
  const { db, t } = platform.router.forTenant(acme);
  return db
    .select({ toAddress: t.outboundEmails.toAddress, subject: t.outboundEmails.subject, text: t.outboundEmails.textBody })
    .from(t.outboundEmails)
    .where(and(eq(t.outboundEmails.kind, "account_locked"), eq(t.outboundEmails.toAddress, to)));
}

/** Emails are queued right after the response is decided: read until `done` holds (or give up after 5 s). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

describe("password sign-in limits (hole 6)", () => {
  it("counts before it checks: of 15 parallel wrong passwords with a limit of 5, exactly 5 are checked", async () => {
    await createMember(platform, acme, { email: "racer@limits.test", password: "the racer's password" });
    const results = await statuses(Array.from({ length: 15 }, () => signIn("racer@limits.test", "wrong password!", "10.61.0.1")));
    expect(count(results, 401)).toBe(PER_EMAIL_AND_ADDRESS);
    expect(count(results, 429)).toBe(15 - PER_EMAIL_AND_ADDRESS);
  });

  it("limits an account across all addresses, refuses even the right password then, and emails the owner once", async () => {
    await createMember(platform, acme, { email: "owner@limits.test", password: "the owner's password", name: "Olive Owner" });
    expect(await statuses(range(PER_ACCOUNT).map((i) => signIn("owner@limits.test", `wrong guess ${i}`, `10.62.${i}.1`)))).toEqual(
      range(PER_ACCOUNT).map(() => 401),
    );
    const refused = await signIn("owner@limits.test", "the owner's password", "10.62.200.1");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("set-cookie")).toBeNull();

    const [notice, ...more] = await eventually(
      () => accountLockedEmails("owner@limits.test"),
      (rows) => rows.length > 0,
    );
    expect(more).toHaveLength(0);
    expect(notice!.subject).toBe("Password sign-in to Limits Inc paused after failed attempts");
    expect(notice!.text).toContain(`${PER_ACCOUNT} times`);
    expect(notice!.text).toContain(`${origin()}/settings/profile`);

    // Still refused from yet more addresses, and the owner is not told again in this window.
    expect(await statuses(range(3).map((i) => signIn("owner@limits.test", "another guess", `10.62.${200 + i}.1`)))).toEqual([429, 429, 429]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await accountLockedEmails("owner@limits.test")).toHaveLength(1);
    // Other accounts are untouched.
    expect((await signIn(`admin@${acme.slug}.test`, "test admin password", "10.62.200.1")).status).toBe(302);
  });

  it("keys IPv6 clients by their /64: sibling addresses share one bucket", async () => {
    await createMember(platform, acme, { email: "six@limits.test", password: "six's password" });
    expect(await statuses(range(PER_EMAIL_AND_ADDRESS).map((i) => signIn("six@limits.test", "wrong password!", `2001:db8:60:1::${i.toString(16)}`)))).toEqual(
      range(PER_EMAIL_AND_ADDRESS).map(() => 401),
    );
    const sibling = await signIn("six@limits.test", "six's password", "2001:db8:60:1:ffff:ffff:ffff:fffe");
    expect(sibling.status).toBe(429);
    // Another /64 is another client.
    expect((await signIn("six@limits.test", "six's password", "2001:db8:60:2::1")).status).toBe(302);
  });

  it("takes the client from the right of X-Forwarded-For: a spoofed left-most entry does not change the key", async () => {
    await createMember(platform, acme, { email: "spoof@limits.test", password: "spoof's password" });
    expect(await statuses(range(PER_EMAIL_AND_ADDRESS).map((i) => signIn("spoof@limits.test", "wrong password!", `198.51.100.${i}, 10.63.0.1`)))).toEqual(
      range(PER_EMAIL_AND_ADDRESS).map(() => 401),
    );
    expect((await signIn("spoof@limits.test", "spoof's password", "198.51.100.99, 10.63.0.1")).status).toBe(429);
    expect((await signIn("spoof@limits.test", "spoof's password", "10.63.0.1")).status).toBe(429);
  });
});

describe("portal code sign-in limits (hole 6)", () => {
  it("counts a code check before comparing it: parallel wrong codes cannot pass the per-email limit", async () => {
    const limit = PORTAL_LIMITS.codeFailuresPerEmail.points;
    const results = await statuses(Array.from({ length: limit + 6 }, () => enterCode("racer@limits.test", "10.64.0.1")));
    expect(count(results, 400)).toBe(limit);
    expect(count(results, 429)).toBe(6);
  });

  it("keys requests for a code by the client's /64", async () => {
    const limit = PORTAL_LIMITS.codeRequestsPerIp.points;
    expect(await statuses(range(limit).map((i) => askForCode(`asker${i}@limits.test`, `2001:db8:65:1::${i.toString(16)}`)))).toEqual(
      range(limit).map(() => 200),
    );
    const sibling = await askForCode("asker-last@limits.test", "2001:db8:65:1:abcd::1");
    expect(sibling.status).toBe(429);
    expect(await sibling.text()).toContain("Too many sign-in codes were asked for.");
    expect((await askForCode("asker-last@limits.test", "2001:db8:65:2::1")).status).toBe(200);
  });

  it("keys code checks by the client's /64", async () => {
    const limit = PORTAL_LIMITS.codeFailuresPerIp.points;
    expect(await statuses(range(limit).map((i) => enterCode(`checker${i}@limits.test`, `2001:db8:66:1::${i.toString(16)}`)))).toEqual(
      range(limit).map(() => 400),
    );
    expect((await enterCode("checker-last@limits.test", "2001:db8:66:1:1234::5")).status).toBe(429);
  });

  it("ignores a spoofed left-most X-Forwarded-For when asking for and checking codes", async () => {
    const requests = PORTAL_LIMITS.codeRequestsPerIp.points;
    expect(await statuses(range(requests).map((i) => askForCode(`spoofed${i}@limits.test`, `203.0.113.${i}, 10.67.0.1`)))).toEqual(
      range(requests).map(() => 200),
    );
    expect((await askForCode("spoofed-last@limits.test", "203.0.113.250, 10.67.0.1")).status).toBe(429);

    const checks = PORTAL_LIMITS.codeFailuresPerIp.points;
    expect(await statuses(range(checks).map((i) => enterCode(`spoofed${i}@limits.test`, `203.0.113.${i}, 10.68.0.1`)))).toEqual(range(checks).map(() => 400));
    expect((await enterCode("spoofed-last@limits.test", "203.0.113.250, 10.68.0.1")).status).toBe(429);
  });
});

describe("TRUST_PROXY (hole 6)", () => {
  it("refuses `true` at start-up and names the hop count to give instead", () => {
    expect(() => loadConfig({ TRUST_PROXY: "true" })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: "true" })).toThrow(/TRUST_PROXY: .*TRUST_PROXY=1/);
    expect(loadConfig({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8, loopback" }).TRUST_PROXY).toEqual(["10.0.0.0/8", "loopback"]);
    expect(() => loadConfig({ TRUST_PROXY: "10.0.0.0/99" })).toThrow(ConfigError);
  });

  it("takes X-Forwarded-Host and -Proto from the nearest proxy (their right-most entries)", async () => {
    const page = await server.request("internal-lb:8080", "/login", {
      headers: { "x-forwarded-host": `evil.localhost, ${host()}`, "x-forwarded-for": "10.70.0.1" },
    });
    expect(page.status).toBe(200);
    // The origin check expects the scheme the proxy forwarded, not one the client prepended.
    const posted = await server.request("internal-lb:8080", "/login", {
      method: "POST",
      body: form({ email: "nobody@limits.test", password: "whatever it is" }),
      headers: postHeaders(origin(), { "x-forwarded-host": `evil.localhost, ${host()}`, "x-forwarded-proto": "https, http", "x-forwarded-for": "10.70.0.2" }),
    });
    expect(posted.status).toBe(401);
  });

  it("with a list of proxy addresses, skips only those from the right", async () => {
    const listed = await startTestServer(platform, {
      env: { TRUST_PROXY: "127.0.0.1,10.71.0.0/16", LOGIN_MAX_FAILURES_PER_EMAIL: "2", GLOBAL_RATE_LIMIT_PER_MINUTE: "100000" },
    });
    try {
      await createMember(platform, acme, { email: "listed@limits.test", password: "listed password" });
      const attempt = (password: string, forwardedFor: string) =>
        listed.request(host(), "/login", {
          method: "POST",
          body: form({ email: "listed@limits.test", password }),
          headers: postHeaders(origin(), { "x-forwarded-for": forwardedFor }),
        });
      // The client is 192.0.2.7 behind two listed proxies, whatever it wrote further left.
      expect((await attempt("wrong one!", "1.1.1.1, 192.0.2.7, 10.71.0.5")).status).toBe(401);
      expect((await attempt("wrong two!", "2.2.2.2, 192.0.2.7, 10.71.3.9")).status).toBe(401);
      expect((await attempt("listed password", "3.3.3.3, 192.0.2.7")).status).toBe(429);
    } finally {
      await listed.close();
    }
  });
});
