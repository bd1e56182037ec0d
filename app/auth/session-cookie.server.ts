import { createCookie, type Cookie } from "@remix-run/node";
import type { AuthSettings } from "./auth-settings.server";

/**
 * The agent session cookie holds only the session token. It is host-only (no Domain), so a
 * sibling subdomain never receives it, and in production `__Host-` makes the browser enforce
 * Secure, Path=/ and no Domain.
 */
export function sessionCookie(settings: Pick<AuthSettings, "secureCookies" | "sessionSecret" | "sessionMaxHours">): Cookie {
  return createCookie(settings.secureCookies ? "__Host-conductor_session" : "conductor_session", {
    httpOnly: true,
    sameSite: "lax",
    secure: settings.secureCookies,
    path: "/",
    secrets: [settings.sessionSecret],
    maxAge: settings.sessionMaxHours * 3600,
  });
}
