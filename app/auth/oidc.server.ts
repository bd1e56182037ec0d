import type { AppLoadContext } from "@remix-run/node";
import { OAuth2Tokens } from "arctic";
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from "jose";
import { LRUCache } from "lru-cache";
import { OAuth2RequestError, OAuth2Strategy, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "remix-auth-oauth2";
import * as z from "zod";
import { AppError } from "../app-error";
import { isOutboundFailure, safeFetch, type OutboundFailure, type OutboundPolicy } from "../net/outbound-http.server";
import { isSsoErrorCode, ssoErrorMessages, type SsoErrorCode } from "./sso-errors";
import { issuerProblem } from "./sso-schema";
import type { SsoConfiguration } from "./sso-settings.server";
import { constantTimeEqual, hmac } from "./tokens.server";

const httpUrl = z.url({ protocol: /^https?$/ });

const discoveryDocument = z.object({
  issuer: z.string(),
  authorization_endpoint: httpUrl,
  token_endpoint: httpUrl,
  jwks_uri: httpUrl,
  userinfo_endpoint: httpUrl.optional(),
  scopes_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});
export type ProviderMetadata = z.infer<typeof discoveryDocument>;

/**
 * A sign-in (or a settings test) that we refuse. Only `code` travels to the sign-in page; the
 * message may carry details from the provider and is shown to admins testing the settings.
 */
export const ssoRefused = (code: SsoErrorCode, detail?: string) => new AppError(code, detail ?? ssoErrorMessages[code]);

export function isSsoRefusal(error: unknown): error is AppError & { code: SsoErrorCode } {
  return AppError.is(error) && isSsoErrorCode(error.code);
}

/** A refused address is the workspace's configuration; anything else the provider's availability. */
function unreachable(error: AppError & { details: { reason: OutboundFailure } }): AppError {
  const { reason } = error.details;
  const misconfigured = reason === "forbidden_address" || reason === "https_required" || reason === "invalid_url";
  return ssoRefused(misconfigured ? "sso_misconfigured" : "sso_unreachable", error.message);
}

export type ConnectionTest =
  { ok: true; issuer: string; authorizationEndpoint: string; tokenEndpoint: string; jwksUri: string } | { ok: false; message: string };

/** The settings page's "Test connection": a refused discovery is the test's answer, not a failure. */
export async function testConnection(outbound: OutboundPolicy, issuer: string): Promise<ConnectionTest> {
  try {
    const found = await discoverProvider(outbound, issuer, { fresh: true });
    return {
      ok: true,
      issuer: found.issuer,
      authorizationEndpoint: found.authorization_endpoint,
      tokenEndpoint: found.token_endpoint,
      jwksUri: found.jwks_uri,
    };
  } catch (error) {
    if (!isSsoRefusal(error)) throw error;
    return { ok: false, message: error.message };
  }
}

const TIMEOUT_MS = 5000;
const MAX_DOCUMENT_BYTES = 256 * 1024;

/** Caches per policy: a process has one, but a test may run servers with different allow-lists side by side. */
const caches = new WeakMap<
  OutboundPolicy,
  { discoveries: LRUCache<string, ProviderMetadata>; keySets: LRUCache<string, ReturnType<typeof createRemoteJWKSet>> }
>();
function cachesFor(outbound: OutboundPolicy) {
  let found = caches.get(outbound);
  if (!found) {
    found = { discoveries: new LRUCache({ max: 1000, ttl: 10 * 60_000 }), keySets: new LRUCache({ max: 1000 }) };
    caches.set(outbound, found);
  }
  return found;
}

/** Without trailing slashes; a loop, since `/\/+$/` is quadratic on a long run of slashes not at the end. */
function normaliseIssuer(issuer: string): string {
  let end = issuer.length;
  while (end > 0 && issuer.charCodeAt(end - 1) === 47) end -= 1;
  return issuer.slice(0, end);
}

/** OpenID Connect discovery; the document must name the issuer it was fetched for. */
export async function discoverProvider(outbound: OutboundPolicy, issuer: string, { fresh = false } = {}): Promise<ProviderMetadata> {
  const problem = issuerProblem(issuer, { httpsOnly: outbound.requireHttps });
  if (problem) throw ssoRefused("sso_misconfigured", `${problem}.`);
  const key = normaliseIssuer(issuer);
  const { discoveries } = cachesFor(outbound);
  const cached = fresh ? undefined : discoveries.get(key);
  if (cached) return cached;
  const location = `${key}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await safeFetch(outbound, location, { headers: { accept: "application/json" }, timeoutMs: TIMEOUT_MS, maxBytes: MAX_DOCUMENT_BYTES });
  } catch (error) {
    if (isOutboundFailure(error)) throw unreachable(error);
    throw error;
  }
  if (!response.ok) throw ssoRefused("sso_unreachable", `${location} answered HTTP ${response.status}`);
  const parsed = discoveryDocument.safeParse(await jsonOrNull(response));
  if (!parsed.success)
    throw ssoRefused(
      "sso_provider_invalid",
      `The discovery document at ${key} is not valid OpenID Connect metadata (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`,
    );
  if (normaliseIssuer(parsed.data.issuer) !== key)
    throw ssoRefused("sso_provider_invalid", `The provider says its issuer is ${parsed.data.issuer}, not ${key}`);
  discoveries.set(key, parsed.data);
  return parsed.data;
}

export type VerifiedIdentity = { issuer: string; subject: string; email: string | null; emailVerified: boolean; name: string | null };

/** The nonce is derived from the state, so nothing but the state cookie must survive the round trip. */
function nonceFor(sessionSecret: string, tenantId: string, state: string): string {
  return hmac(sessionSecret, "oidc-nonce", tenantId, state);
}

/** remix-auth-oauth2 with PKCE, plus the OIDC parts: a nonce, ID-token validation, and the token request through safeFetch. */
class OidcStrategy extends OAuth2Strategy<VerifiedIdentity> {
  constructor(
    options: ConstructorParameters<typeof OAuth2Strategy<VerifiedIdentity>>[0],
    private readonly outbound: OutboundPolicy,
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

  /** The same request arctic's OAuth2Client sends (client_secret_basic, PKCE), answered the same way. */
  protected override async validateAuthorizationCode(code: string, codeVerifier: string): Promise<OAuth2Tokens> {
    const { clientId, clientSecret, redirectURI, tokenEndpoint } = this.options;
    const body = new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: codeVerifier });
    if (redirectURI) body.set("redirect_uri", String(redirectURI));
    let response: Response;
    try {
      response = await safeFetch(this.outbound, String(tokenEndpoint), {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
        },
        body: body.toString(),
        timeoutMs: TIMEOUT_MS,
        maxBytes: MAX_DOCUMENT_BYTES,
      });
    } catch (error) {
      if (isOutboundFailure(error)) throw unreachable(error);
      throw error;
    }
    const data: unknown = await jsonOrNull(response);
    if (response.status === 400 || response.status === 401) {
      const refusal = z.object({ error: z.string(), error_description: z.string().optional(), error_uri: z.string().optional() }).safeParse(data);
      if (!refusal.success) throw new UnexpectedErrorResponseBodyError(response.status, data);
      throw new OAuth2RequestError(refusal.data.error, refusal.data.error_description ?? null, refusal.data.error_uri ?? null, null);
    }
    if (response.status !== 200 || typeof data !== "object" || data === null) throw new UnexpectedResponseError(response.status);
    return new OAuth2Tokens(data);
  }
}

export async function oidcStrategy(context: AppLoadContext, config: SsoConfiguration, redirectURI: string): Promise<OidcStrategy> {
  const { outbound } = context.services;
  const metadata = await discoverProvider(outbound, config.issuer);
  const nonce = (state: string) => nonceFor(context.services.auth.sessionSecret, context.tenant.id, state);
  return new OidcStrategy(
    {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      authorizationEndpoint: metadata.authorization_endpoint,
      tokenEndpoint: metadata.token_endpoint,
      redirectURI,
      scopes: ["openid", "email", "profile"],
      cookie: {
        name: "conductor_oidc",
        path: "/auth/sso",
        httpOnly: true,
        sameSite: "Lax",
        maxAge: 600,
        ...(context.services.auth.secureCookies ? { secure: true as const } : {}),
      },
    },
    outbound,
    nonce,
    async ({ tokens, request }) => {
      const state = new URL(request.url).searchParams.get("state") ?? "";
      let idToken: string;
      try {
        idToken = tokens.idToken();
      } catch {
        throw ssoRefused("sso_token_rejected", "The identity provider returned no ID token.");
      }
      const identity = await verifyIdToken(outbound, idToken, metadata, config.clientId, nonce(state));
      // Providers that follow the spec strictly put profile claims only at the UserInfo endpoint.
      if (identity.email === null && metadata.userinfo_endpoint) return withUserInfo(outbound, identity, metadata.userinfo_endpoint, tokens.accessToken());
      return identity;
    },
  );
}

const userInfoClaims = z.object({ sub: z.string(), email: z.string().optional(), email_verified: z.boolean().optional(), name: z.string().optional() });

async function withUserInfo(outbound: OutboundPolicy, identity: VerifiedIdentity, endpoint: string, accessToken: string): Promise<VerifiedIdentity> {
  let response: Response;
  try {
    response = await safeFetch(outbound, endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      timeoutMs: TIMEOUT_MS,
      maxBytes: MAX_DOCUMENT_BYTES,
    });
  } catch (error) {
    if (isOutboundFailure(error)) throw unreachable(error);
    throw error;
  }
  const claims = userInfoClaims.safeParse(response.ok ? await jsonOrNull(response) : null);
  // UserInfo must describe the same subject as the verified ID token, or it is ignored.
  if (!claims.success || claims.data.sub !== identity.subject) return identity;
  return {
    ...identity,
    email: claims.data.email?.toLowerCase() ?? null,
    emailVerified: claims.data.email_verified === true,
    name: identity.name ?? claims.data.name ?? null,
  };
}

function keySetFor(outbound: OutboundPolicy, jwksUri: string) {
  const { keySets } = cachesFor(outbound);
  let keys = keySets.get(jwksUri);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: TIMEOUT_MS,
      [customFetch]: (url, { headers, signal }) => safeFetch(outbound, url, { headers, signal, timeoutMs: TIMEOUT_MS, maxBytes: MAX_DOCUMENT_BYTES }),
    });
    keySets.set(jwksUri, keys);
  }
  return keys;
}

export async function verifyIdToken(
  outbound: OutboundPolicy,
  idToken: string,
  metadata: ProviderMetadata,
  clientId: string,
  expectedNonce: string,
): Promise<VerifiedIdentity> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keySetFor(outbound, metadata.jwks_uri), { issuer: metadata.issuer, audience: clientId, clockTolerance: 30 }));
  } catch (error) {
    if (isOutboundFailure(error)) throw unreachable(error);
    throw ssoRefused("sso_token_rejected", `The identity provider's ID token was rejected (${error instanceof Error ? error.message : "invalid"}).`);
  }
  if (typeof payload.nonce !== "string" || !constantTimeEqual(payload.nonce, expectedNonce))
    throw ssoRefused("sso_token_rejected", "The ID token's nonce does not match this sign-in.");
  if (!payload.sub) throw ssoRefused("sso_token_rejected", "The ID token names no subject.");
  const email = typeof payload.email === "string" ? payload.email.toLowerCase() : null;
  return {
    issuer: metadata.issuer,
    subject: payload.sub,
    email,
    emailVerified: payload.email_verified === true,
    name: typeof payload.name === "string" ? payload.name : null,
  };
}

/** The body as JSON, or null when it is not JSON (the provider's fault, reported by the caller); other failures (a cut-off or oversize body) propagate. */
async function jsonOrNull(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
