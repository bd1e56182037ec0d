import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSsoRefusal, verifyIdToken, type ProviderMetadata } from "../app/auth/oidc.server";
import { outboundAllowListSetting } from "../app/net/outbound-address-policy.server";
import type { OutboundPolicy } from "../app/net/outbound-http.server";
import { saveSsoSettings } from "../app/auth/sso-settings.server";
import { createInvite } from "../app/team/invites.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { LOOPBACK_PROVIDER_ENV, startOidcProvider, type TestAccount, type TestOidcProvider } from "./support/oidc-provider";
import { TestBrowser } from "./support/test-browser";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let provider: TestOidcProvider;
let acme: TenantRecord;
const accounts: TestAccount[] = [];

beforeAll(async () => {
  acme = await createTestTenant(platform);
  server = await startTestServer(platform, { env: LOOPBACK_PROVIDER_ENV });
  provider = await startOidcProvider({ accounts, redirectUris: [`http://${acme.slug}.localhost:${server.port}/auth/sso/callback`] });
  await configure({});
});
afterAll(async () => {
  await provider.close();
  await server.close();
  await platform.close();
});

async function configure({ autoCreateUsers = false, issuer = provider.issuer, allowedDomains = [] as string[] }) {
  const handle = platform.router.forTenant(acme);
  const [admin] = await handle.db.select().from(handle.t.users).limit(1);
  await saveSsoSettings(
    handle,
    { id: admin!.id, email: admin!.email, name: admin!.name, role: admin!.role },
    { enabled: true, issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, autoCreateUsers, allowedDomains },
    TEST_SESSION_SECRET,
  );
}

const appUrl = (path: string) => `http://${acme.slug}.localhost:${server.port}${path}`;
const isCallback = (url: URL) => url.pathname === "/auth/sso/callback";

/** Runs the browser through /auth/sso, the provider's login page, and back to the callback. */
async function signInAs(browser: TestBrowser, sub: string, { tamperState = false } = {}) {
  const atProvider = await browser.follow(await browser.get(appUrl("/auth/sso?redirectTo=/settings/profile")), (url) =>
    url.pathname.startsWith("/interaction/"),
  );
  if (!atProvider.url.pathname.startsWith("/interaction/")) return atProvider; // refused before reaching the provider
  const submitted = await browser.post(atProvider.url.toString(), { prompt: "login", login: sub, password: "anything" });
  const atCallback = await browser.follow(submitted, isCallback);
  expect(isCallback(atCallback.url)).toBe(true);
  if (tamperState) atCallback.url.searchParams.set("state", "forged-state");
  return browser.get(atCallback.url.toString());
}

async function meWith(browser: TestBrowser) {
  const response = await server.request(`${acme.slug}.localhost:${server.port}`, "/api/auth/me", {
    headers: { cookie: browser.cookieHeader(`${acme.slug}.localhost:${server.port}`) },
  });
  return response.status === 200 ? ((await response.json()) as { user: { email: string; role: string } }).user : null;
}

function ssoError(reply: { status: number; location: string | null }) {
  expect(reply.status).toBe(302);
  const location = new URL(reply.location!, "http://x");
  expect(location.pathname).toBe("/login");
  return location.searchParams.get("sso_error") ?? "";
}

describe("single sign-on with OpenID Connect", () => {
  it("links a verified identity to the member the operator created and signs them in; later sign-ins use (issuer, subject)", async () => {
    accounts.push({ sub: "admin-sub", email: `admin@${acme.slug}.test`, email_verified: true, name: "The Admin" });
    const browser = new TestBrowser();
    const done = await signInAs(browser, "admin-sub");
    expect(done.status).toBe(302);
    expect(done.location).toBe("/settings/profile");
    expect(await meWith(browser)).toMatchObject({ email: `admin@${acme.slug}.test`, role: "admin" });
    const { db, t } = platform.router.forTenant(acme);
    expect(await db.select().from(t.ssoIdentities).where(eq(t.ssoIdentities.subject, "admin-sub"))).toHaveLength(1);

    accounts[accounts.length - 1]!.email = "changed-elsewhere@other.test";
    const again = new TestBrowser();
    expect((await signInAs(again, "admin-sub")).location).toBe("/settings/profile");
    expect(await meWith(again)).toMatchObject({ email: `admin@${acme.slug}.test` });
  });

  it("refuses a callback whose state does not match the browser's", async () => {
    accounts.push({ sub: "state-sub", email: `admin@${acme.slug}.test`, email_verified: true });
    const browser = new TestBrowser();
    expect(ssoError(await signInAs(browser, "state-sub", { tamperState: true }))).toBe("sso_expired");
    expect(await meWith(browser)).toBeNull();
  });

  it("never links an unverified email, even to an existing member", async () => {
    accounts.push({ sub: "unverified-sub", email: `admin@${acme.slug}.test`, email_verified: false });
    const browser = new TestBrowser();
    expect(ssoError(await signInAs(browser, "unverified-sub"))).toBe("sso_email_unverified");
    const { db, t } = platform.router.forTenant(acme);
    expect(await db.select().from(t.ssoIdentities).where(eq(t.ssoIdentities.subject, "unverified-sub"))).toHaveLength(0);
  });

  it("refuses an unknown person unless the workspace creates accounts on first sign-in", async () => {
    accounts.push({ sub: "stranger-sub", email: "stranger@elsewhere.test", email_verified: true, name: "Stranger Danger" });
    expect(ssoError(await signInAs(new TestBrowser(), "stranger-sub"))).toBe("sso_no_account");

    await configure({ autoCreateUsers: true, allowedDomains: ["allowed.test"] });
    expect(ssoError(await signInAs(new TestBrowser(), "stranger-sub"))).toBe("sso_domain_not_allowed");

    await configure({ autoCreateUsers: true });
    const browser = new TestBrowser();
    expect((await signInAs(browser, "stranger-sub")).location).toBe("/settings/profile");
    expect(await meWith(browser)).toMatchObject({ email: "stranger@elsewhere.test", role: "agent" });
    await configure({});
  });

  it("turns a pending invite into a member on a verified SSO sign-in", async () => {
    await createInvite(platform.router.forTenant(acme), null, { email: "invited@acme-sso.test", role: "admin" }, 24);
    accounts.push({ sub: "invited-sub", email: "Invited@acme-sso.test", email_verified: true, name: "Invited Person" });
    const browser = new TestBrowser();
    expect((await signInAs(browser, "invited-sub")).location).toBe("/settings/profile");
    expect(await meWith(browser)).toMatchObject({ email: "invited@acme-sso.test", role: "admin" });
  });

  it("refuses a provider whose discovery document names another issuer", async () => {
    await configure({ issuer: provider.issuer.replace("127.0.0.1", "localhost") });
    try {
      expect(ssoError(await new TestBrowser().get(appUrl("/auth/sso")))).toBe("sso_provider_invalid");
    } finally {
      await configure({});
    }
  });
});

describe("ID token validation", () => {
  // The test key server is on loopback, which only an operator's allow-list opens.
  const loopback: OutboundPolicy = { allowList: outboundAllowListSetting.parse("127.0.0.1"), requireHttps: false };
  let jwks: http.Server;
  let metadata: ProviderMetadata;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    const keys = await generateKeyPair("RS256");
    privateKey = keys.privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = http.createServer((_req, res) => res.setHeader("content-type", "application/json").end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    metadata = { issuer: base, authorization_endpoint: `${base}/auth`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks` };
  });
  afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

  const sign = (claims: Record<string, unknown>, { issuer = metadata.issuer, audience = "conductor", expires = "5m" } = {}) =>
    new SignJWT({ nonce: "n-1", email: "a@b.test", email_verified: true, ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setSubject("sub-1")
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(privateKey);

  it("accepts a token with the right signature, issuer, audience, nonce and expiry", async () => {
    await expect(verifyIdToken(loopback, await sign({}), metadata, "conductor", "n-1")).resolves.toMatchObject({ subject: "sub-1", emailVerified: true });
  });

  it.each([
    ["a wrong audience", { audience: "someone-else" }, {}],
    ["a wrong issuer", { issuer: "http://evil.test" }, {}],
    ["an expired token", { expires: "-10m" }, {}],
    ["a wrong nonce", {}, { nonce: "n-2" }],
  ])("refuses %s", async (_why, options, claims) => {
    await expect(verifyIdToken(loopback, await sign(claims, options), metadata, "conductor", "n-1")).rejects.toSatisfy(isSsoRefusal);
  });

  it("refuses a token signed by another key", async () => {
    const other = await generateKeyPair("RS256");
    const forged = await new SignJWT({ nonce: "n-1" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setSubject("x")
      .setIssuer(metadata.issuer)
      .setAudience("conductor")
      .setExpirationTime("5m")
      .sign(other.privateKey);
    await expect(verifyIdToken(loopback, forged, metadata, "conductor", "n-1")).rejects.toSatisfy(isSsoRefusal);
  });
});
