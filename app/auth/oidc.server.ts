import type { AppLoadContext } from "@remix-run/node";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { LRUCache } from "lru-cache";
import { OAuth2Strategy } from "remix-auth-oauth2";
import * as z from "zod";
import type { SsoConfiguration } from "./sso-settings.server";
import { constantTimeEqual, hmac } from "./tokens.server";

const discoveryDocument = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  userinfo_endpoint: z.url().optional(),
  scopes_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});
export type ProviderMetadata = z.infer<typeof discoveryDocument>;

/** A sign-in that reached us but that we refuse; the message is safe to show. */
export class SsoRefusedError extends Error {}

const discoveries = new LRUCache<string, ProviderMetadata>({ max: 1000, ttl: 10 * 60_000 });
const keySets = new LRUCache<string, ReturnType<typeof createRemoteJWKSet>>({ max: 1000 });

function normaliseIssuer(issuer: string): string {
  return issuer.replace(/\/+$/, "");
}

/** OpenID Connect discovery; the document must name the issuer it was fetched for. */
export async function discoverProvider(issuer: string, { fresh = false } = {}): Promise<ProviderMetadata> {
  const key = normaliseIssuer(issuer);
  const cached = fresh ? undefined : discoveries.get(key);
  if (cached) return cached;
  let response: Response;
  try {
    response = await fetch(`${key}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000), headers: { accept: "application/json" } });
  } catch (error) {
    throw new SsoRefusedError(`Could not reach ${key}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new SsoRefusedError(`${key}/.well-known/openid-configuration answered HTTP ${response.status}`);
  const parsed = discoveryDocument.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new SsoRefusedError(`The discovery document at ${key} is not valid OpenID Connect metadata (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
  if (normaliseIssuer(parsed.data.issuer) !== key) throw new SsoRefusedError(`The provider says its issuer is ${parsed.data.issuer}, not ${key}`);
  discoveries.set(key, parsed.data);
  return parsed.data;
}

export type VerifiedIdentity = { issuer: string; subject: string; email: string | null; emailVerified: boolean; name: string | null };

/** The nonce is derived from the state, so nothing but the state cookie must survive the round trip. */
function nonceFor(sessionSecret: string, tenantId: string, state: string): string {
  return hmac(sessionSecret, "oidc-nonce", tenantId, state);
}

/** remix-auth-oauth2 with PKCE, plus the OIDC parts: a nonce, and ID-token validation. */
class OidcStrategy extends OAuth2Strategy<VerifiedIdentity> {
  constructor(
    options: ConstructorParameters<typeof OAuth2Strategy<VerifiedIdentity>>[0],
    private readonly nonce: (state: string) => string,
    verify: ConstructorParameters<typeof OAuth2Strategy<VerifiedIdentity>>[1],
  ) {
    super(options, verify);
  }

  protected override authorizationParams(params: URLSearchParams): URLSearchParams {
    const next = new URLSearchParams(params);
    next.set("nonce", this.nonce(params.get("state") ?? ""));
    return next;
  }
}

export async function oidcStrategy(context: AppLoadContext, config: SsoConfiguration, redirectURI: string): Promise<OidcStrategy> {
  const metadata = await discoverProvider(config.issuer);
  const nonce = (state: string) => nonceFor(context.services.auth.sessionSecret, context.tenant.id, state);
  return new OidcStrategy(
    {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      authorizationEndpoint: metadata.authorization_endpoint,
      tokenEndpoint: metadata.token_endpoint,
      redirectURI,
      scopes: ["openid", "email", "profile"],
      cookie: { name: "conductor_oidc", path: "/auth/sso", httpOnly: true, sameSite: "Lax", maxAge: 600, ...(context.services.auth.secureCookies ? { secure: true as const } : {}) },
    },
    nonce,
    async ({ tokens, request }) => {
      const state = new URL(request.url).searchParams.get("state") ?? "";
      let idToken: string;
      try {
        idToken = tokens.idToken();
      } catch {
        throw new SsoRefusedError("The identity provider returned no ID token.");
      }
      const identity = await verifyIdToken(idToken, metadata, config.clientId, nonce(state));
      // Providers that follow the spec strictly put profile claims only at the UserInfo endpoint.
      if (identity.email === null && metadata.userinfo_endpoint) return withUserInfo(identity, metadata.userinfo_endpoint, tokens.accessToken());
      return identity;
    },
  );
}

const userInfoClaims = z.object({ sub: z.string(), email: z.string().optional(), email_verified: z.boolean().optional(), name: z.string().optional() });

async function withUserInfo(identity: VerifiedIdentity, endpoint: string, accessToken: string): Promise<VerifiedIdentity> {
  const response = await fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" }, signal: AbortSignal.timeout(5000) }).catch(() => null);
  const claims = userInfoClaims.safeParse(response?.ok ? await response.json().catch(() => null) : null);
  // UserInfo must describe the same subject as the verified ID token, or it is ignored.
  if (!claims.success || claims.data.sub !== identity.subject) return identity;
  return {
    ...identity,
    email: claims.data.email?.toLowerCase() ?? null,
    emailVerified: claims.data.email_verified === true,
    name: identity.name ?? claims.data.name ?? null,
  };
}

export async function verifyIdToken(idToken: string, metadata: ProviderMetadata, clientId: string, expectedNonce: string): Promise<VerifiedIdentity> {
  let keys = keySets.get(metadata.jwks_uri);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
    keySets.set(metadata.jwks_uri, keys);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keys, { issuer: metadata.issuer, audience: clientId, clockTolerance: 30 }));
  } catch (error) {
    throw new SsoRefusedError(`The identity provider's ID token was rejected (${error instanceof Error ? error.message : "invalid"}).`);
  }
  if (typeof payload.nonce !== "string" || !constantTimeEqual(payload.nonce, expectedNonce)) throw new SsoRefusedError("The ID token's nonce does not match this sign-in.");
  if (!payload.sub) throw new SsoRefusedError("The ID token names no subject.");
  const email = typeof payload.email === "string" ? payload.email.toLowerCase() : null;
  return {
    issuer: metadata.issuer,
    subject: payload.sub,
    email,
    emailVerified: payload.email_verified === true,
    name: typeof payload.name === "string" ? payload.name : null,
  };
}
