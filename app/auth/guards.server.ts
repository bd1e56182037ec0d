import type { AppLoadContext } from "@remix-run/node";
import type { CurrentUser, RequestAuth } from "./current-user";

/**
 * The signed-in member. Access is enforced before any loader runs (route-access.server.ts);
 * this only narrows the type, and fails loudly if a route's declaration and use disagree.
 */
export function requireUser(context: AppLoadContext): CurrentUser {
  return requireAuth(context).user;
}

export function requireAuth(context: AppLoadContext): RequestAuth {
  if (!context.auth) throw new Error("requireUser() in a route that does not declare agent or admin access");
  return context.auth;
}

export function currentSessionId(context: AppLoadContext): string | null {
  return context.auth?.via === "session" ? context.auth.sessionId : null;
}
