import { createCookie, redirect, type AppLoadContext } from "@remix-run/node";
import { OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "remix-auth-oauth2";
import { Authenticator } from "remix-auth";
import { oidcStrategy, SsoRefusedError, type VerifiedIdentity } from "./oidc.server";
import { safeRedirectTarget } from "./redirect-target";
import { sessionCookie } from "./session-cookie.server";
import { signInWithSso } from "./sso-sign-in.server";
import { getSsoConfiguration } from "./sso-settings.server";

const CALLBACK_PATH = "/auth/sso/callback";

function returnCookie(context: AppLoadContext) {
  return createCookie("conductor_sso_return", { path: "/auth/sso", httpOnly: true, sameSite: "lax", secure: context.services.auth.secureCookies, maxAge: 600, secrets: [context.services.auth.sessionSecret] });
}

async function authenticator(request: Request, context: AppLoadContext) {
  const config = await getSsoConfiguration(context.db, context.services.auth.sessionSecret);
  if (!config) throw new SsoRefusedError("Single sign-on is not set up for this workspace.");
  const redirectURI = new URL(CALLBACK_PATH, new URL(request.url).origin).toString();
  return { config, auth: new Authenticator<VerifiedIdentity>().use(await oidcStrategy(context, config, redirectURI), "oidc") };
}

/** Redirects to the provider (remix-auth-oauth2 throws the redirect with its state cookie). */
export async function beginSsoSignIn(request: Request, context: AppLoadContext): Promise<Response> {
  try {
    const { auth } = await authenticator(request, context);
    await auth.authenticate("oidc", request);
    throw new SsoRefusedError("The identity provider could not be reached.");
  } catch (thrown) {
    if (thrown instanceof Response) {
      const redirectTo = safeRedirectTarget(new URL(request.url).searchParams.get("redirectTo"));
      thrown.headers.append("Set-Cookie", await returnCookie(context).serialize(redirectTo));
      return thrown;
    }
    return failed(thrown);
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
    return failed(thrown);
  }
}

function failed(error: unknown): Response {
  let message: string;
  if (error instanceof SsoRefusedError) message = error.message;
  else if (error instanceof OAuth2RequestError) message = `The identity provider refused the sign-in (${error.code}).`;
  else if (error instanceof UnexpectedResponseError || error instanceof UnexpectedErrorResponseBodyError) message = "The identity provider gave an unexpected answer. Please try again or ask an admin to test the SSO settings.";
  else if (error instanceof RangeError || error instanceof ReferenceError) message = "This sign-in could not be verified (it may have expired or been opened in another browser). Please try again.";
  else throw error;
  return redirect(`/login?${new URLSearchParams({ sso_error: message })}`);
}
