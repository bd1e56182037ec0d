import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveSsoSettings } from "../../app/auth/sso-settings.server";
import { ConfigError, loadConfig } from "../../app/config.server";
import { nonPublicRange, outboundAllowListSetting } from "../../app/net/outbound-address-policy.server";
import { isOutboundFailure, safeFetch, type OutboundPolicy, type ResolvedAddress } from "../../app/net/outbound-http.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { form, postHeaders, sessionFor } from "../support/auth";
import { LOOPBACK_PROVIDER_ENV, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider";
import { TestBrowser } from "../support/test-browser";
import { createTestTenant, openTestPlatform } from "../support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "../support/test-server";

/** An HTTP server on loopback that records what reaches it; `answer` decides the reply. */
async function listen(answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void, host = "127.0.0.1") {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url}`);
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const json = (res: http.ServerResponse, value: unknown, status = 200) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));

const platform = openTestPlatform();
/** No OUTBOUND_ALLOWED_HOSTS: what every production instance runs with unless its operator opens a range. */
let closed: TestServer;
/** The loopback test provider allowed, as tests/auth-oidc.test.ts runs. */
let loopbackAllowed: TestServer;
/** Only the name "localhost" allowed: stands in for a public name whose answers then lead elsewhere. */
let nameAllowed: TestServer;
let provider: TestOidcProvider;
let sentinel: Awaited<ReturnType<typeof listen>>;
let acme: TenantRecord;
let globex: TenantRecord;
let acmeAdmin: { cookie: string; csrf: string };

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform), createTestTenant(platform)]);
  [closed, loopbackAllowed, nameAllowed] = await Promise.all([
    startTestServer(platform),
    startTestServer(platform, { env: LOOPBACK_PROVIDER_ENV }),
    startTestServer(platform, { env: { OUTBOUND_ALLOWED_HOSTS: "localhost" } }),
  ]);
  provider = await startOidcProvider({ accounts: [], redirectUris: [`http://${acme.slug}.localhost:${closed.port}/auth/sso/callback`] });
  // An internal service: any request reaching it is the hole. It answers like an identity provider would.
  sentinel = await listen((req, res) => json(res, { issuer: `http://127.0.0.1`, internal: "secret", path: req.url }));
  const { db, t } = platform.router.forTenant(acme);
  const [admin] = await db.select({ id: t.users.id }).from(t.users).limit(1);
  acmeAdmin = await sessionFor(platform, acme, admin!.id);
});
afterAll(async () => {
  await provider.close();
  await sentinel.close();
  await Promise.all([closed.close(), loopbackAllowed.close(), nameAllowed.close()]);
  await platform.close();
});

async function configureSso(tenant: TenantRecord, issuer: string) {
  const handle = platform.router.forTenant(tenant);
  const [admin] = await handle.db.select().from(handle.t.users).limit(1);
  await saveSsoSettings(
    handle,
    { id: admin!.id, email: admin!.email, name: admin!.name, role: admin!.role },
    { enabled: true, issuer, clientId: "conductor", clientSecret: "conductor-secret", autoCreateUsers: true, allowedDomains: [] },
    TEST_SESSION_SECRET,
  );
}

/** The admin's "Test connection" button on /settings/sso, as the browser posts it. */
async function testConnection(server: TestServer, issuer: string) {
  const host = `${acme.slug}.localhost`;
  const response = await server.request(host, "/settings/sso", {
    method: "POST",
    body: form({ intent: "test", issuer, clientId: "conductor", csrf: acmeAdmin.csrf }),
    headers: postHeaders(`http://${host}`, { cookie: acmeAdmin.cookie }),
  });
  // React separates adjacent text with <!-- --> markers
  return { status: response.status, html: (await response.text()).replaceAll("<!-- -->", "") };
}

function ssoErrorOf(reply: { status: number; location: string | null }) {
  expect(reply.status).toBe(302);
  const location = new URL(reply.location!, "http://x");
  expect(location.pathname).toBe("/login");
  return location.searchParams.get("sso_error");
}

describe("Outbound requests (SSRF): the server fetches no internal address a workspace names", () => {
  it.each([
    ["the loopback OIDC provider", () => provider.issuer],
    ["loopback in decimal", () => `http://2130706433:${sentinel.port}`],
    ["loopback in short form", () => `http://127.1:${sentinel.port}`],
    ["loopback in hex short form", () => `http://0x7f.1:${sentinel.port}`],
    ["IPv4-mapped IPv6 loopback", () => `http://[::ffff:127.0.0.1]:${sentinel.port}`],
    ["IPv4-mapped IPv6 loopback in hex", () => `http://[::ffff:7f00:1]:${sentinel.port}`],
    ["IPv6 loopback", () => `http://[::1]:${sentinel.port}`],
    ["the cloud metadata address", () => "http://169.254.169.254/latest/meta-data"],
  ])("Test connection refuses %s without connecting", async (_why, issuer) => {
    const before = { sentinel: sentinel.requests.length, provider: provider.requests.length };
    const { status, html } = await testConnection(closed, issuer());
    expect(status).toBe(200);
    expect(html).toContain("Connection failed:");
    expect(html).toContain("which Conductor does not connect to");
    expect({ sentinel: sentinel.requests.length, provider: provider.requests.length }).toEqual(before);
  });

  it("Test connection reaches the same loopback provider once the operator allows it", async () => {
    const { html } = await testConnection(loopbackAllowed, provider.issuer);
    expect(html).toContain(`Connection works. Found issuer ${provider.issuer}`);
  });

  it("refuses an issuer with a query, fragment or user name with a field error, fetching nothing", async () => {
    const before = provider.requests.length;
    for (const issuer of [`${provider.issuer}/anything?`, `${provider.issuer}/x#`, `http://user:pw@127.0.0.1:${sentinel.port}`]) {
      const { status, html } = await testConnection(loopbackAllowed, issuer);
      expect(status, issuer).toBe(400);
      expect(html, issuer).toMatch(/name="issuer"[^>]*aria-invalid="true"/);
      expect(html, issuer).toMatch(/id="[^"]*-issuer-error"[^>]*>(<ul[^>]*>)?(<li[^>]*>)?The issuer (cannot have a query|cannot contain a user name)/);
    }
    expect(provider.requests.length).toBe(before);
  });

  it("a name that is allowed but redirects to loopback is refused at the redirect", async () => {
    const redirector = await listen((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${sentinel.port}/.well-known/openid-configuration` }).end(),
    );
    try {
      const before = sentinel.requests.length;
      const { html } = await testConnection(nameAllowed, `http://localhost:${redirector.port}`);
      expect(redirector.requests).toEqual(["GET /.well-known/openid-configuration"]);
      expect(html).toContain(`http://127.0.0.1:${sentinel.port} is a loopback address, which Conductor does not connect to`);
      expect(sentinel.requests.length).toBe(before);
    } finally {
      await redirector.close();
    }
  });

  it("sign-in start refuses the loopback provider without the allow-list, and reaches it with it", async () => {
    await configureSso(acme, provider.issuer);
    const before = provider.requests.length;
    expect(ssoErrorOf(await new TestBrowser().get(`http://${acme.slug}.localhost:${closed.port}/auth/sso`))).toBe("sso_misconfigured");
    expect(provider.requests.length).toBe(before);

    const allowed = await new TestBrowser().get(`http://${acme.slug}.localhost:${loopbackAllowed.port}/auth/sso`);
    expect(allowed.status).toBe(302);
    expect(allowed.location!.startsWith(`${provider.issuer}/`)).toBe(true);
  });

  it.each([
    ["the cloud metadata address", "http://169.254.169.254"],
    ["loopback in decimal", "http://2130706433"],
  ])("sign-in start refuses %s as the issuer", async (_why, issuer) => {
    await configureSso(acme, issuer);
    expect(ssoErrorOf(await new TestBrowser().get(`http://${acme.slug}.localhost:${closed.port}/auth/sso`))).toBe("sso_misconfigured");
  });

  describe("the endpoints a discovery document names go through the same check", () => {
    let idp: Awaited<ReturnType<typeof listen>>;
    let base: string;
    let nonce = "";
    let jwk: Record<string, unknown>;
    let privateKey: CryptoKey;
    /** Per issuer path: which endpoints point at the internal sentinel. */
    const internalEndpoints: Record<string, Array<"token" | "jwks" | "userinfo">> = {
      "token-inside": ["token"],
      "keys-inside": ["jwks"],
      "userinfo-inside": ["userinfo"],
    };

    beforeAll(async () => {
      const keys = await generateKeyPair("RS256");
      privateKey = keys.privateKey;
      jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
      idp = await listen((req, res) => {
        const [, name, rest] = /^\/([^/]+)(\/.*)$/.exec(req.url ?? "") ?? [];
        const issuer = `${base}/${name}`;
        const endpoint = (kind: "token" | "jwks" | "userinfo") =>
          internalEndpoints[name!]?.includes(kind) ? `http://127.0.0.1:${sentinel.port}/${kind}` : `${issuer}/${kind}`;
        if (rest === "/.well-known/openid-configuration") {
          return json(res, {
            issuer,
            authorization_endpoint: `${issuer}/auth`,
            token_endpoint: endpoint("token"),
            jwks_uri: endpoint("jwks"),
            userinfo_endpoint: endpoint("userinfo"),
          });
        }
        if (rest === "/jwks") return json(res, { keys: [jwk] });
        if (rest === "/token") {
          // No email in the ID token: the app asks the UserInfo endpoint for it.
          void new SignJWT({ nonce })
            .setProtectedHeader({ alg: "RS256", kid: "k1" })
            .setSubject("someone")
            .setIssuer(issuer)
            .setAudience("conductor")
            .setIssuedAt()
            .setExpirationTime("5m")
            .sign(privateKey)
            .then((idToken) => json(res, { access_token: "at", token_type: "Bearer", id_token: idToken }));
          return;
        }
        json(res, { error: "not_found" }, 404);
      });
      base = `http://localhost:${idp.port}`;
    });
    afterAll(() => idp.close());

    /** Starts sign-in at the allowed provider, then comes back to the callback as its redirect would. */
    async function signInThrough(name: string) {
      await configureSso(globex, `${base}/${name}`);
      const browser = new TestBrowser();
      const origin = `http://${globex.slug}.localhost:${nameAllowed.port}`;
      const start = await browser.get(`${origin}/auth/sso`);
      expect(start.status).toBe(302);
      const authorize = new URL(start.location!);
      expect(authorize.origin).toBe(base);
      nonce = authorize.searchParams.get("nonce")!;
      return browser.get(`${origin}/auth/sso/callback?${new URLSearchParams({ state: authorize.searchParams.get("state")!, code: "the-code" })}`);
    }

    it.each(["token-inside", "keys-inside", "userinfo-inside"])("%s: the internal endpoint is refused and never reached", async (name) => {
      const before = sentinel.requests.length;
      expect(ssoErrorOf(await signInThrough(name))).toBe("sso_misconfigured");
      expect(sentinel.requests.length).toBe(before);
      expect(idp.requests.some((line) => line.startsWith(`GET /${name}/.well-known/openid-configuration`))).toBe(true);
    });
  });
});

describe("the outbound HTTP client itself", () => {
  let target: Awaited<ReturnType<typeof listen>>;
  const loopbackOnly: OutboundPolicy = { allowList: outboundAllowListSetting.parse("127.0.0.1/32"), requireHttps: false };
  beforeAll(async () => {
    target = await listen((req, res) => {
      if (req.url === "/big") return res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(300_000));
      if (req.url === "/big-chunked") {
        res.writeHead(200, { "content-type": "text/plain" });
        for (let i = 0; i < 30; i += 1) res.write("y".repeat(10_000));
        return res.end();
      }
      if (req.url === "/loop") return res.writeHead(302, { location: "/loop" }).end();
      if (req.url === "/to-loopback") return res.writeHead(307, { location: `http://127.0.0.1:${target.port}/hello` }).end();
      if (req.url === "/silent") return; // never answers
      json(res, { hello: "world" });
    });
  });
  afterAll(() => target.close());

  /** A resolver that knows only the names it is given, and counts its calls. */
  function resolver(names: Record<string, string[]>) {
    const calls: string[] = [];
    const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
      calls.push(hostname);
      const found = names[hostname];
      if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };
    return { resolve, calls };
  }

  async function refusal(promise: Promise<unknown>) {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    if (!isOutboundFailure(error)) throw new Error(`expected an outbound_* AppError, got ${String(error)}`);
    return error.details.reason;
  }

  it.each([
    ["127.0.0.1"],
    ["127.1.2.3"],
    ["10.0.0.1"],
    ["172.16.5.4"],
    ["172.31.255.255"],
    ["192.168.1.1"],
    ["100.64.0.1"],
    ["169.254.169.254"],
    ["0.0.0.0"],
    ["0.1.2.3"],
    ["255.255.255.255"],
    ["224.0.0.1"],
    ["240.0.0.1"],
    ["192.0.2.1"],
    ["198.18.0.1"],
    ["::1"],
    ["::"],
    ["fe80::1"],
    ["fc00::1"],
    ["fd12:3456::1"],
    ["ff02::1"],
    ["::ffff:127.0.0.1"],
    ["::ffff:7f00:1"],
    ["::ffff:10.0.0.1"],
    ["::7f00:1"],
    ["64:ff9b::7f00:1"],
    ["64:ff9b::a9fe:a9fe"],
    ["64:ff9b:1::1"],
    ["2002:7f00:1::1"],
    ["2002:c0a8:101::1"],
    ["2001::1"],
    ["2001:db8::1"],
  ])("classifies %s as not public", (address) => {
    expect(nonPublicRange(address)).not.toBeNull();
  });

  it.each([["8.8.8.8"], ["1.1.1.1"], ["2606:4700:4700::1111"], ["::ffff:8.8.8.8"], ["64:ff9b::808:808"], ["2002:808:808::1"]])(
    "classifies %s as public",
    (address) => {
      expect(nonPublicRange(address)).toBeNull();
    },
  );

  it.each([
    ["http://2130706433/"],
    ["http://127.1/"],
    ["http://0x7f.1/"],
    ["http://0177.0.0.1/"],
    ["http://0/"],
    ["http://[::ffff:127.0.0.1]/"],
    ["http://[::ffff:7f00:1]/"],
    ["http://[::]/"],
  ])("refuses %s without asking DNS", async (url) => {
    const dns = resolver({});
    expect(await refusal(safeFetch({ allowList: outboundAllowListSetting.parse(""), requireHttps: false, resolve: dns.resolve }, url))).toBe(
      "forbidden_address",
    );
    expect(dns.calls).toEqual([]);
  });

  it("refuses a public-looking name that resolves to loopback, link-local, or to any private address among public ones", async () => {
    const dns = resolver({
      "idp.example.com": ["127.0.0.1"],
      "meta.example.com": ["169.254.169.254"],
      "mixed.example.com": ["93.184.216.34", "10.0.0.7"],
      "v6.example.com": ["::ffff:127.0.0.1"],
    });
    const policy: OutboundPolicy = { allowList: outboundAllowListSetting.parse(""), requireHttps: false, resolve: dns.resolve };
    for (const host of ["idp.example.com", "meta.example.com", "mixed.example.com", "v6.example.com"]) {
      expect(await refusal(safeFetch(policy, `http://${host}:${target.port}/`)), host).toBe("forbidden_address");
    }
    expect(target.requests).toEqual([]);
  });

  it("connects to the address it checked: the name is resolved once per hop and never again by the socket", async () => {
    // The system resolver does not know this name, so a second lookup at connect time would fail.
    const dns = resolver({ "only-we-know.test": ["127.0.0.1"] });
    const response = await safeFetch({ ...loopbackOnly, resolve: dns.resolve }, `http://only-we-know.test:${target.port}/hello`);
    expect(await response.json()).toEqual({ hello: "world" });
    expect(dns.calls).toEqual(["only-we-know.test"]);
  });

  it("checks every redirect hop: an allowed name that redirects to loopback is refused there", async () => {
    const dns = resolver({ "allowed.test": ["127.0.0.1"] });
    const policy: OutboundPolicy = { allowList: outboundAllowListSetting.parse("allowed.test"), requireHttps: false, resolve: dns.resolve };
    const before = target.requests.length;
    expect(await refusal(safeFetch(policy, `http://allowed.test:${target.port}/to-loopback`))).toBe("forbidden_address");
    expect(target.requests.slice(before)).toEqual(["GET /to-loopback"]);
  });

  it("follows at most the allowed number of redirects", async () => {
    expect(await refusal(safeFetch(loopbackOnly, `http://127.0.0.1:${target.port}/loop`, { maxRedirects: 3 }))).toBe("too_many_redirects");
  });

  it("aborts a response past its size cap, with or without Content-Length", async () => {
    expect(await refusal(safeFetch(loopbackOnly, `http://127.0.0.1:${target.port}/big`, { maxBytes: 100_000 }))).toBe("too_large");
    expect(await refusal(safeFetch(loopbackOnly, `http://127.0.0.1:${target.port}/big-chunked`, { maxBytes: 100_000 }))).toBe("too_large");
    expect((await (await safeFetch(loopbackOnly, `http://127.0.0.1:${target.port}/big`, { maxBytes: 400_000 })).text()).length).toBe(300_000);
  });

  it("gives up on a server that never answers", async () => {
    expect(await refusal(safeFetch(loopbackOnly, `http://127.0.0.1:${target.port}/silent`, { timeoutMs: 300 }))).toBe("timeout");
  });

  it("requires https in production, on every hop", async () => {
    expect(await refusal(safeFetch({ ...loopbackOnly, requireHttps: true }, `http://127.0.0.1:${target.port}/hello`))).toBe("https_required");
  });

  it("OUTBOUND_ALLOWED_HOSTS takes names, addresses and CIDRs, and refuses anything else at startup", () => {
    const allowList = loadConfig({ OUTBOUND_ALLOWED_HOSTS: "idp.corp.example, 10.20.0.0/16 fd00:1::/48,192.168.1.5" }).OUTBOUND_ALLOWED_HOSTS;
    expect([...allowList.hosts]).toEqual(["idp.corp.example"]);
    expect(allowList.ranges.map(([address, bits]) => `${address.toString()}/${bits}`)).toEqual(["10.20.0.0/16", "fd00:1::/48", "192.168.1.5/32"]);
    expect(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: "http://idp.corp.example/" })).toThrow(ConfigError);
  });
});
