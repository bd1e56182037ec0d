import { and, desc, eq, gt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../app/customers/customers.server";
import { PORTAL_LIMITS } from "../app/portal/portal-rate-limits.server";
import { portalRedirectTarget } from "../app/portal/portal-schemas";
import { MAX_CODE_ATTEMPTS } from "../app/portal/sign-in-codes.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let limited: TenantRecord;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (tenant: TenantRecord, path: string, cookie?: string) => server.request(host(tenant), path, { headers: cookie ? { cookie } : {} });
const post = (tenant: TenantRecord, path: string, fields: Record<string, string>, cookie?: string) =>
  server.request(host(tenant), path, { method: "POST", body: form(fields), headers: postHeaders(`http://${host(tenant)}`, cookie ? { cookie } : {}) });

const askForCode = (tenant: TenantRecord, email: string, redirectTo?: string) =>
  post(tenant, "/portal/login", { email, ...(redirectTo ? { redirectTo } : {}) });
const enterCode = (tenant: TenantRecord, email: string, code: string, redirectTo = "/portal/tickets") =>
  post(tenant, "/portal/login", { intent: "verify", email, code, redirectTo });

/** The code and link of the newest sign-in email to `email`, waiting for it (it is written after the response). */
async function signInEmail(tenant: TenantRecord, email: string, after: Date): Promise<{ code: string; token: string; link: string }> {
  const { db, t } = platform.router.forTenant(tenant);
  for (let i = 0; i < 100; i += 1) {
    const [row] = await db
      .select({ subject: t.outboundEmails.subject, text: t.outboundEmails.textBody })
      .from(t.outboundEmails)
      .where(
        and(eq(t.outboundEmails.kind, "login_code"), sql`lower(${t.outboundEmails.toAddress}) = ${email.toLowerCase()}`, gt(t.outboundEmails.createdAt, after)),
      )
      .orderBy(desc(t.outboundEmails.id))
      .limit(1);
    if (row) {
      const code = /Your sign-in code: (\d{6})$/.exec(row.subject)![1]!;
      const link = /(https?:\/\/\S+\/portal\/login\/[A-Za-z0-9_-]{43}\S*)/.exec(row.text)![1]!;
      return { code, link, token: /\/portal\/login\/([A-Za-z0-9_-]{43})/.exec(link)![1]! };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no sign-in email reached ${email}`);
}

async function dbNow(tenant: TenantRecord): Promise<Date> {
  const { rows } = await platform.router.forTenant(tenant).db.execute<{ now: string }>(sql`select now() as now`);
  return new Date(rows[0]!.now);
}

const portalCookieOf = (response: Response) => /(conductor_portal=[^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1] ?? null;

/** The same page apart from the email typed and the per-response CSP nonce. */
const normalise = (html: string, email: string) => html.replaceAll(email, "EMAIL").replace(/nonce="[^"]*"/g, 'nonce=""');

async function addCustomer(tenant: TenantRecord, name: string, email: string) {
  return createCustomer(platform.router.forTenant(tenant), { type: "system" }, { name, email, company: null, phone: null });
}

beforeAll(async () => {
  [acme, globex, limited] = await Promise.all([createTestTenant(platform), createTestTenant(platform), createTestTenant(platform)]);
  for (const [name, email] of [
    ["Kim Known", "kim@signin.test"],
    ["Lee Link", "lee@signin.test"],
    ["Exa Expired", "exa@signin.test"],
    ["Lou Locked", "lou@signin.test"],
    ["Fay Foreign", "fay@signin.test"],
    ["Red Irect", "red@signin.test"],
    ["Sol Signout", "sol@signin.test"],
  ] as const) {
    await addCustomer(acme, name, email);
  }
  await addCustomer(globex, "Fay at Globex", "fay@signin.test");
  await addCustomer(limited, "Rae Rated", "rae@signin.test");
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("asking for a sign-in code", () => {
  it("answers a known and an unknown email identically, and emails only the known one", async () => {
    const after = await dbNow(acme);
    const known = await askForCode(acme, "Kim@Signin.test");
    const unknown = await askForCode(acme, "nobody@signin.test");
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(known.status);
    expect(unknown.headers.get("set-cookie")).toBe(known.headers.get("set-cookie"));
    const knownHtml = await known.text();
    expect(knownHtml).toContain("we have sent a 6-digit code and a sign-in link");
    expect(normalise(await unknown.text(), "nobody@signin.test")).toBe(normalise(knownHtml, "Kim@Signin.test"));

    const { code } = await signInEmail(acme, "kim@signin.test", after);
    expect(code).toMatch(/^\d{6}$/);
    const { db, t } = platform.router.forTenant(acme);
    const nobody = await db.select({ id: t.outboundEmails.id }).from(t.outboundEmails).where(eq(t.outboundEmails.toAddress, "nobody@signin.test"));
    expect(nobody).toHaveLength(0);
    expect(await db.select({ id: t.customers.id }).from(t.customers).where(eq(t.customers.email, "nobody@signin.test"))).toHaveLength(0);
    // stored hashed: neither the code nor the link token is in the table
    const rows = await db.select({ codeHash: t.customerLoginCodes.codeHash, linkTokenHash: t.customerLoginCodes.linkTokenHash }).from(t.customerLoginCodes);
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  it("is limited per email address, alike for known and unknown addresses", async () => {
    const limit = PORTAL_LIMITS.codeRequestsPerEmail.points;
    for (const email of ["rae@signin.test", "ghost@signin.test"]) {
      for (let i = 0; i < limit; i += 1) expect((await askForCode(limited, email)).status).toBe(200);
    }
    const known = await askForCode(limited, "rae@signin.test");
    const unknown = await askForCode(limited, "ghost@signin.test");
    expect(known.status).toBe(429);
    expect(unknown.status).toBe(429);
    expect(known.headers.get("retry-after")).toBeTruthy();
    expect(normalise(await unknown.text(), "ghost@signin.test")).toBe(normalise(await known.text(), "rae@signin.test"));
  });
});

describe("signing in with the code", () => {
  it("signs in once with the right code, opens the customer's own requests, and refuses the code the second time", async () => {
    const after = await dbNow(acme);
    await askForCode(acme, "kim@signin.test");
    const { code } = await signInEmail(acme, "kim@signin.test", after);
    const response = await enterCode(acme, "KIM@signin.test", code, "/portal/tickets?from=test");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/portal/tickets?from=test");
    const setCookie = response.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^conductor_portal=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = portalCookieOf(response)!;
    const page = await get(acme, "/portal/tickets", cookie);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Requests sent from (<!-- -->)?kim@signin.test/);
    // the session is a row, stored hashed
    const { db, t } = platform.router.forTenant(acme);
    const token = decodeURIComponent(cookie.split("=")[1]!);
    const sessions = await db.select({ id: t.customerSessions.id }).from(t.customerSessions);
    expect(JSON.stringify(sessions)).not.toContain(token.split(".")[0]);

    const again = await enterCode(acme, "kim@signin.test", code);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("That code is wrong, used or expired.");
    expect(portalCookieOf(again)).toBeNull();
  });

  it("locks a code after too many wrong tries: even the right code is refused then", async () => {
    const after = await dbNow(acme);
    await askForCode(acme, "lou@signin.test");
    const { code } = await signInEmail(acme, "lou@signin.test", after);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i += 1) {
      const response = await enterCode(acme, "lou@signin.test", wrong);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("That code is wrong, used or expired.");
    }
    const right = await enterCode(acme, "lou@signin.test", code);
    expect(right.status).toBe(400);
    expect(portalCookieOf(right)).toBeNull();
  });

  it("limits wrong codes per email address over a day, from any number of IPs and across new codes", async () => {
    const behindProxy = await startTestServer(platform, { trustProxy: true });
    try {
      const email = `guesser.${Date.now()}@signin.test`;
      const attempt = (ip: string) =>
        behindProxy.request(host(acme), "/portal/login", {
          method: "POST",
          body: new URLSearchParams({ intent: "verify", email, code: "000000", redirectTo: "/portal/tickets" }).toString(),
          headers: postHeaders(`http://${host(acme)}`, { "x-forwarded-for": ip }),
        });
      for (let i = 0; i < PORTAL_LIMITS.codeFailuresPerEmail.points; i += 1) expect((await attempt(`10.1.${i}.1`)).status).toBe(400);
      const refused = await attempt("10.9.9.9");
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await behindProxy.close();
    }
  });

  it("refuses an expired code and link", async () => {
    const after = await dbNow(acme);
    await askForCode(acme, "exa@signin.test");
    const { code, token } = await signInEmail(acme, "exa@signin.test", after);
    const { db, t } = platform.router.forTenant(acme);
    await db
      .update(t.customerLoginCodes)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(gt(t.customerLoginCodes.createdAt, after));
    const response = await enterCode(acme, "exa@signin.test", code);
    expect(response.status).toBe(400);
    expect(portalCookieOf(response)).toBeNull();
    expect((await get(acme, `/portal/login/${token}`)).status).toBe(400);
    const link = await post(acme, `/portal/login/${token}`, {});
    expect(link.status).toBe(400);
    expect(portalCookieOf(link)).toBeNull();
  });

  it("refuses malformed codes and links", async () => {
    for (const code of ["12345", "1234567", "12a456", "", "1' or '1'='1"]) {
      const response = await enterCode(acme, "kim@signin.test", code);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("Enter the 6-digit code from the email.");
    }
    for (const token of ["abc", "A".repeat(43), "A".repeat(44), "%00", "..%2F..%2Fdashboard"]) {
      const page = await get(acme, `/portal/login/${token}`);
      expect([400, 404]).toContain(page.status);
      const attempt = await post(acme, `/portal/login/${token}`, {});
      expect([400, 404]).toContain(attempt.status);
      expect(portalCookieOf(attempt)).toBeNull();
    }
  });

  it("refuses another workspace's code and link for the same email", async () => {
    const after = await dbNow(globex);
    await askForCode(globex, "fay@signin.test");
    const foreign = await signInEmail(globex, "fay@signin.test", after);
    // acme has a live code for fay too, so the foreign code is checked against a real one
    const acmeAfter = await dbNow(acme);
    await askForCode(acme, "fay@signin.test");
    const own = await signInEmail(acme, "fay@signin.test", acmeAfter);
    if (foreign.code !== own.code) {
      const response = await enterCode(acme, "fay@signin.test", foreign.code);
      expect(response.status).toBe(400);
      expect(portalCookieOf(response)).toBeNull();
    }
    expect((await get(acme, `/portal/login/${foreign.token}`)).status).toBe(400);
    const link = await post(acme, `/portal/login/${foreign.token}`, {});
    expect(link.status).toBe(400);
    expect(portalCookieOf(link)).toBeNull();
    // and acme's link does nothing on globex
    expect((await post(globex, `/portal/login/${own.token}`, {})).status).toBe(400);
  });
});

describe("the sign-in link", () => {
  it("asks for a click (mail scanners only fetch), then signs in once and goes where the customer was headed", async () => {
    const after = await dbNow(acme);
    await askForCode(acme, "lee@signin.test", "/portal/tickets/1001");
    const { token, link } = await signInEmail(acme, "lee@signin.test", after);
    expect(link).toContain("redirectTo=%2Fportal%2Ftickets%2F1001");
    const path = new URL(link).pathname + new URL(link).search;
    const page = await get(acme, path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Continue to my requests");
    expect((await get(acme, path)).status).toBe(200);
    const used = await post(acme, path, {});
    expect(used.status).toBe(302);
    expect(used.headers.get("location")).toBe("/portal/tickets/1001");
    expect(portalCookieOf(used)).not.toBeNull();
    const reused = await post(acme, `/portal/login/${token}`, {});
    expect(reused.status).toBe(400);
    expect(portalCookieOf(reused)).toBeNull();
    expect((await get(acme, `/portal/login/${token}`)).status).toBe(400);
  });

  it("only follows redirect targets inside the portal", async () => {
    for (const target of ["https://evil.example/", "//evil.example", "/dashboard", "/portalx", "/\\evil.example", "/portal/../dashboard", "/portal\n/x"]) {
      expect(portalRedirectTarget(target)).toBe("/portal/tickets");
    }
    expect(portalRedirectTarget("/portal/tickets/7?a=1")).toBe("/portal/tickets/7?a=1");
    const after = await dbNow(acme);
    await askForCode(acme, "red@signin.test", "https://evil.example/");
    const { code, link } = await signInEmail(acme, "red@signin.test", after);
    expect(link).not.toContain("evil");
    const response = await enterCode(acme, "red@signin.test", code, "https://evil.example/");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/portal/tickets");
  });
});

describe("the portal session", () => {
  async function signedIn(tenant: TenantRecord, email: string) {
    const after = await dbNow(tenant);
    await askForCode(tenant, email);
    const { code } = await signInEmail(tenant, email, after);
    return portalCookieOf(await enterCode(tenant, email, code))!;
  }

  it("sends visitors to the sign-in page and back", async () => {
    const response = await get(acme, "/portal/tickets/1234?x=1");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/portal/login?${new URLSearchParams({ redirectTo: "/portal/tickets/1234?x=1" })}`);
  });

  it("is worthless on another workspace and on agent pages", async () => {
    const cookie = await signedIn(globex, "fay@signin.test");
    expect((await get(globex, "/portal/tickets", cookie)).status).toBe(200);
    // the same cookie on acme, where fay is a customer too
    const elsewhere = await get(acme, "/portal/tickets", cookie);
    expect(elsewhere.status).toBe(302);
    expect(elsewhere.headers.get("location")).toContain("/portal/login");
    // agent pages: under its own name, and passed off as the agents' cookie
    for (const attempt of [cookie, cookie.replace("conductor_portal=", "conductor_session=")]) {
      const dashboard = await get(globex, "/dashboard", attempt);
      expect(dashboard.status).toBe(302);
      expect(dashboard.headers.get("location")).toContain("/login");
    }
    // and an agent's session cookie does not open the portal as a customer
    const admin = await createMember(platform, acme, { email: "agent@signin.test" });
    const agent = await sessionFor(platform, acme, admin.id);
    const portal = await get(acme, "/portal/tickets", `${agent.cookie}; ${agent.cookie.replace("conductor_session=", "conductor_portal=")}`);
    expect(portal.status).toBe(302);
  });

  it("signs out: the cookie is cleared and the row deleted", async () => {
    const cookie = await signedIn(acme, "sol@signin.test");
    expect((await get(acme, "/portal/tickets", cookie)).status).toBe(200);
    const out = await post(acme, "/portal/logout", {}, cookie);
    expect(out.status).toBe(302);
    expect(out.headers.get("set-cookie")).toMatch(/conductor_portal=;.*Max-Age=0/i);
    expect((await get(acme, "/portal/tickets", cookie)).status).toBe(302);
    const { db, t } = platform.router.forTenant(acme);
    const [sol] = await db.select({ id: t.customers.id }).from(t.customers).where(eq(t.customers.email, "sol@signin.test"));
    expect(await db.select({ id: t.customerSessions.id }).from(t.customerSessions).where(eq(t.customerSessions.customerId, sol!.id))).toHaveLength(0);
  });
});
