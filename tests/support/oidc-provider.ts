import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export type TestAccount = { sub: string; email?: string; email_verified?: boolean; name?: string };

/** `requests`: the path of every request the provider received, in order. */
export type TestOidcProvider = { issuer: string; clientId: string; clientSecret: string; requests: string[]; close(): Promise<void> };

/**
 * The provider listens on loopback, which the app's outbound client refuses unless the operator
 * allows it: servers that talk to it start with this setting.
 */
export const LOOPBACK_PROVIDER_ENV = { OUTBOUND_ALLOWED_HOSTS: "127.0.0.1, localhost" };

/**
 * A real OpenID Connect provider (panva's oidc-provider) on loopback. Its development login page
 * accepts any account id named in `accounts` (read live); consent is pre-granted as for a first-party app.
 */
export async function startOidcProvider({ accounts, redirectUris }: { accounts: TestAccount[]; redirectUris: string[] }): Promise<TestOidcProvider> {
  const clientId = "conductor-test";
  const clientSecret = "conductor-test-secret-0123456789";
  const server = (await import("node:http")).createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, grant_types: ["authorization_code"], response_types: ["code"] }],
    pkce: { required: () => true },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: ["test-cookie-key"] },
    features: { devInteractions: { enabled: true } },
    findAccount: async (_ctx, sub) => {
      const account = accounts.find((candidate) => candidate.sub === sub); // read live: tests add accounts as they go
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account }) };
    },
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  const requests: string[] = [];
  const handle = provider.callback();
  server.on("request", (req, res) => {
    requests.push(req.url ?? "");
    void handle(req, res);
  });
  return {
    issuer,
    clientId,
    clientSecret,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
