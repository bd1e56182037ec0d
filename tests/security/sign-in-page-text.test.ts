import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssoErrorMessages } from "../../app/auth/sso-errors";
import { saveSsoSettings } from "../../app/auth/sso-settings.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { LOOPBACK_PROVIDER_ENV, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider";
import { TestBrowser } from "../support/test-browser";
import { createTestTenant, openTestPlatform } from "../support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "../support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let provider: TestOidcProvider;
let acme: TenantRecord;
let withoutSso: TenantRecord;

beforeAll(async () => {
  [acme, withoutSso] = await Promise.all([createTestTenant(platform), createTestTenant(platform)]);
  server = await startTestServer(platform, { env: LOOPBACK_PROVIDER_ENV });
  provider = await startOidcProvider({ accounts: [], redirectUris: [`http://${acme.slug}.localhost:${server.port}/auth/sso/callback`] });
  const handle = platform.router.forTenant(acme);
  const [admin] = await handle.db.select().from(handle.t.users).limit(1);
  await saveSsoSettings(
    handle,
    { id: admin!.id, email: admin!.email, name: admin!.name, role: admin!.role },
    { enabled: true, issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, autoCreateUsers: false, allowedDomains: [] },
    TEST_SESSION_SECRET,
  );
});
afterAll(async () => {
  await provider.close();
  await server.close();
  await platform.close();
});

/** The sign-in page as a browser gets it, with React's text separators removed. */
async function signInPage(tenant: TenantRecord, query: string) {
  const response = await server.request(`${tenant.slug}.localhost`, `/login?${query}`);
  expect(response.status).toBe(200);
  return (await response.text()).replaceAll("<!-- -->", "");
}

/** The text of the page's SSO error box, or null without one. */
function ssoErrorBox(html: string): string | null {
  return /<div id="sso-error"[^>]*>([^<]*)<\/div>/.exec(html)?.[1] ?? null;
}

function ssoErrorCode(reply: { status: number; location: string | null }) {
  expect(reply.status).toBe(302);
  const location = new URL(reply.location!, "http://x");
  expect(location.pathname).toBe("/login");
  // The whole query is the code: no other parameter can carry text onto the page.
  expect([...location.searchParams.keys()]).toEqual(["sso_error"]);
  return location.searchParams.get("sso_error")!;
}

describe("Text injection on the sign-in page: only error codes travel in the URL", () => {
  const injected = "Your account is locked. Call +1 555 0100 to unlock it";

  it("never prints text from the URL: an unknown sso_error shows the generic message", async () => {
    const html = await signInPage(acme, new URLSearchParams({ sso_error: injected }).toString());
    expect(html).not.toContain("Your account is locked");
    expect(ssoErrorBox(html)).toBe(ssoErrorMessages.sso_failed);
  });

  it("shows each known code's fixed message", async () => {
    for (const [code, message] of Object.entries(ssoErrorMessages)) {
      expect(ssoErrorBox(await signInPage(acme, `sso_error=${code}`)), code).toBe(message.replaceAll("'", "&#x27;"));
    }
  });

  it("shows nothing without a code", async () => {
    expect(ssoErrorBox(await signInPage(acme, ""))).toBeNull();
  });

  it("a refused sign-in sends the browser back with a known code only", async () => {
    const code = ssoErrorCode(await new TestBrowser().get(`http://${withoutSso.slug}.localhost:${server.port}/auth/sso`));
    expect(code).toBe("sso_not_configured");
  });
});

describe("SSO failures: only a missing or mismatched sign-in state reads as expired; the rest is logged", () => {
  /** Starts sign-in; returns the browser (holding the state cookie) and the state the provider would send back. */
  async function startSignIn() {
    const browser = new TestBrowser();
    const start = await browser.get(`http://${acme.slug}.localhost:${server.port}/auth/sso`);
    expect(start.status).toBe(302);
    return { browser, state: new URL(start.location!).searchParams.get("state")! };
  }
  const callback = (query: Record<string, string>) => `http://${acme.slug}.localhost:${server.port}/auth/sso/callback?${new URLSearchParams(query)}`;

  it("a callback without the state cookie, or with another state, is expired", async () => {
    const { browser, state } = await startSignIn();
    expect(ssoErrorCode(await new TestBrowser().get(callback({ state, code: "c" })))).toBe("sso_expired");
    expect(ssoErrorCode(await browser.get(callback({ state: "forged-state", code: "c" })))).toBe("sso_expired");
  });

  it("any other failure is a generic SSO failure, logged with the request id", async () => {
    const { browser, state } = await startSignIn();
    // Right state, but no code: remix-auth-oauth2 throws a ReferenceError that has nothing to do with expiry.
    const requestId = "sso-test-request-0001";
    const url = new URL(callback({ state }));
    const response = await server.request(url.host, url.pathname + url.search, {
      headers: { cookie: browser.cookieHeader(url.host), "x-request-id": requestId },
    });
    const reply = { status: response.status, location: response.headers.get("location") };
    expect(ssoErrorCode(reply)).toBe("sso_failed");
    const logged = server.logs.filter((line) => JSON.stringify(line).includes(requestId) && /single sign-on failed/.test(String(line.msg)));
    expect(logged.length).toBeGreaterThan(0);
  });
});
