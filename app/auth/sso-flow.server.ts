import { createCookie, redirect, type AppLoadContext } from "@remix-run/node";
import { OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "remix-auth-oauth2";
import { Authenticator } from "remix-auth";
import { isSsoRefusal, oidcStrategy, ssoRefused, type VerifiedIdentity } from "./oidc.server";
import { safeRedirectTarget } from "./redirect-target";
import { sessionCookie } from "./session-cookie.server";
import type { SsoErrorCode } from "./sso-errors";
import { signInWithSso } from "./sso-sign-in.server";
import { getSsoConfiguration } from "./sso-settings.server";

const CALLBACK_PATH = "/auth/sso/callback";

function returnCookie(context: AppLoadContext) {
  return createCookie("conductor_sso_return", {
    path: "/auth/sso",
    httpOnly: true,
    sameSite: "lax",
    secure: context.services.auth.secureCookies,
    maxAge: 600,
    secrets: [context.services.auth.sessionSecret],
  });
}

async function authenticator(request: Request, context: AppLoadContext) {
  const config = await getSsoConfiguration(context.db, context.services.auth.sessionSecret);
  if (!config) throw ssoRefused("sso_not_configured");
  const redirectURI = new URL(CALLBACK_PATH, new URL(request.url).origin).toString();
  return { config, auth: new Authenticator<VerifiedIdentity>().use(await oidcStrategy(context, config, redirectURI), "oidc") };
}

/** Redirects to the provider (remix-auth-oauth2 throws the redirect with its state cookie). */
export async function beginSsoSignIn(request: Request, context: AppLoadContext): Promise<Response> {
  try {
    const { auth } = await authenticator(request, context);
    await auth.authenticate("oidc", request);
    throw new Error("remix-auth-oauth2 returned instead of redirecting to the identity provider");
  } catch (thrown) {
    if (thrown instanceof Response) {
      const redirectTo = safeRedirectTarget(new URL(request.url).searchParams.get("redirectTo"));
      thrown.headers.append("Set-Cookie", await returnCookie(context).serialize(redirectTo));
      return thrown;
    }
    return failed(context, thrown);
  }
}

export async function completeSsoSignIn(request: Request, context: AppLoadContext): Promise<Response> {
  try {
    const { auth, config } = await authenticator(request, context);
    const identity = await auth.authenticate("oidc", request);
    const { token } = await signInWithSso(context, config, identity, request.headers.get("user-agent"));
    const redirectTo = safeRedirectTarget(await returnCookie(context).parse(request.headers.get("cookie")));
    const headers = new Headers();
    headers.append("Set-Cookie", await sessionCookie(context.services.auth).serialize(token));
    headers.append("Set-Cookie", await returnCookie(context).serialize("", { maxAge: 0 }));
    return redirect(redirectTo, { headers });
  } catch (thrown) {
    if (thrown instanceof Response) throw thrown;
    return failed(context, thrown);
  }
}

/**
 * How remix-auth-oauth2 (3.x) reports a callback whose state cookie is missing, expired or from
 * another sign-in: these errors and messages exactly, nothing else it or anything below it throws.
 */
const STATE_FAILURES: ReadonlyArray<[ErrorConstructor, string]> = [
  [ReferenceError, "Missing state on cookie."],
  [RangeError, "State in URL doesn't match state in cookie."],
  [ReferenceError, "Missing code verifier on cookie."],
];

function isStateFailure(error: unknown): boolean {
  return STATE_FAILURES.some(([type, message]) => error instanceof type && error.constructor === type && error.message === message);
}

/** Sends the browser back to the sign-in page with a code; anything unexpected is logged first. */
function failed(context: AppLoadContext, error: unknown): Response {
  let code: SsoErrorCode;
  if (isSsoRefusal(error)) code = error.code;
  else if (isStateFailure(error)) code = "sso_expired";
  else if (error instanceof OAuth2RequestError) code = "sso_provider_refused";
  else if (error instanceof UnexpectedResponseError || error instanceof UnexpectedErrorResponseBodyError) code = "sso_provider_invalid";
  else code = "sso_failed";
  // Refusals of a person (no account, unverified email…) are expected; the provider's and our own failures are worth a look.
  const expected = code === "sso_expired" || (isSsoRefusal(error) && !["sso_misconfigured", "sso_unreachable", "sso_provider_invalid"].includes(code));
  if (!expected) context.log.error({ err: error }, `single sign-on failed (${code})`);
  return redirect(`/login?${new URLSearchParams({ sso_error: code })}`);
}
