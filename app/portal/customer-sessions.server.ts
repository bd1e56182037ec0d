import { createCookie, redirect, type AppLoadContext, type Cookie } from "@remix-run/node";
import { eq, sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { TenantRecord } from "../../tenancy/tenant-record";
import type { AuthSettings } from "../auth/auth-settings.server";
import { hashToken, hmac, randomToken } from "../auth/tokens.server";

/** A customer's portal sessions: rows in `customer_sessions`, separate from agents' sessions and cookie. */

export const PORTAL_SESSION_MAX_DAYS = 30;
export const PORTAL_SESSION_IDLE_DAYS = 7;

/** The signed-in customer as portal screens see it. */
export type PortalCustomer = { id: number; name: string; email: string };

/**
 * The portal cookie holds only the session token. It is host-only like the agents' cookie and
 * `__Host-` in production; its signing key is derived from the tenant's id, so a cookie made for
 * one workspace does not even parse on another (and its token names no row there either).
 */
export function portalCookie(settings: Pick<AuthSettings, "secureCookies" | "sessionSecret">, tenant: Pick<TenantRecord, "id">): Cookie {
  return createCookie(settings.secureCookies ? "__Host-conductor_portal" : "conductor_portal", {
    httpOnly: true,
    sameSite: "lax",
    secure: settings.secureCookies,
    path: "/",
    secrets: [hmac(settings.sessionSecret, "portal-session-cookie", tenant.id)],
    maxAge: PORTAL_SESSION_MAX_DAYS * 24 * 3600,
  });
}

export async function createCustomerSession({ db, t }: Pick<TenantHandle, "db" | "t">, customerId: number): Promise<string> {
  const token = randomToken();
  await db.insert(t.customerSessions).values({ id: hashToken(token), customerId, expiresAt: sql`now() + make_interval(days => ${PORTAL_SESSION_MAX_DAYS})` });
  return token;
}

/** The customer of a live session, or null; an expired or idle session is deleted. Activity is recorded at most once a minute. */
export async function findCustomerSession(
  { db, t }: Pick<TenantHandle, "db" | "t">,
  token: string,
): Promise<{ sessionId: string; customer: PortalCustomer } | null> {
  const sessionId = hashToken(token);
  const [row] = await db
    .select({
      live: sql<boolean>`${t.customerSessions.expiresAt} > now() and ${t.customerSessions.lastActiveAt} > now() - make_interval(days => ${PORTAL_SESSION_IDLE_DAYS})`,
      stale: sql<boolean>`${t.customerSessions.lastActiveAt} < now() - interval '1 minute'`,
      customer: { id: t.customers.id, name: t.customers.name, email: t.customers.email },
    })
    .from(t.customerSessions)
    .innerJoin(t.customers, eq(t.customers.id, t.customerSessions.customerId))
    .where(eq(t.customerSessions.id, sessionId))
    .limit(1);
  if (!row) return null;
  if (!row.live) {
    await db.delete(t.customerSessions).where(eq(t.customerSessions.id, sessionId));
    return null;
  }
  if (row.stale)
    await db
      .update(t.customerSessions)
      .set({ lastActiveAt: sql`now()` })
      .where(eq(t.customerSessions.id, sessionId));
  return { sessionId, customer: row.customer };
}

export async function deleteCustomerSession({ db, t }: Pick<TenantHandle, "db" | "t">, sessionId: string): Promise<void> {
  await db.delete(t.customerSessions).where(eq(t.customerSessions.id, sessionId));
}

async function sessionToken(request: Request, context: AppLoadContext): Promise<string | null> {
  const value: unknown = await portalCookie(context.services.auth, context.tenant).parse(request.headers.get("cookie"));
  return typeof value === "string" && value.length > 0 && value.length < 200 ? value : null;
}

/** Per request: the layout and the page both ask, the session is looked up once. Signing in or out always redirects. */
const customerOfRequest = new WeakMap<AppLoadContext, Promise<PortalCustomer | null>>();

/** The signed-in customer, or null for a visitor. */
export function getPortalCustomer(request: Request, context: AppLoadContext): Promise<PortalCustomer | null> {
  let customer = customerOfRequest.get(context);
  if (!customer) {
    customer = sessionToken(request, context).then(async (token) => (token ? ((await findCustomerSession(context.db, token))?.customer ?? null) : null));
    customerOfRequest.set(context, customer);
  }
  return customer;
}

/** The signed-in customer; a visitor is sent to the portal's sign-in and brought back afterwards. */
export async function requireCustomer(request: Request, context: AppLoadContext): Promise<PortalCustomer> {
  const customer = await getPortalCustomer(request, context);
  if (customer) return customer;
  const url = new URL(request.url);
  throw redirect(`/portal/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
}

/** Opens a session for a customer who just proved their email; returns the Set-Cookie header value. */
export async function signInCustomer(context: AppLoadContext, customerId: number): Promise<string> {
  const token = await createCustomerSession(context.db, customerId);
  return portalCookie(context.services.auth, context.tenant).serialize(token);
}

/** Ends the current portal session (if any); returns the Set-Cookie header value that clears the cookie. */
export async function signOutCustomer(request: Request, context: AppLoadContext): Promise<string> {
  const token = await sessionToken(request, context);
  if (token) await deleteCustomerSession(context.db, hashToken(token));
  return portalCookie(context.services.auth, context.tenant).serialize("", { maxAge: 0 });
}
