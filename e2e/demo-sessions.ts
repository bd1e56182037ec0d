import type { BrowserContext } from "@playwright/test";
import { eq } from "drizzle-orm";
import { sessionCookie } from "../app/auth/session-cookie.server";
import { createSession } from "../app/auth/sessions.server";
import { DEMO_TENANT } from "../app/demo/demo-seed.server";
import { createCustomerSession, portalCookie } from "../app/portal/customer-sessions.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { Platform } from "../tenancy/platform";

/**
 * Signing in without the form, as the Epic Stack does: write a session row in the demo
 * workspace's database and give the browser the cookie the server would have set.
 */

export type DemoMember = "admin" | "agent";

/** How to reach a running server's demo workspace: its address, and the secret it signs cookies with. */
export type DemoServer = { baseURL: string; sessionSecret: string };

export type DemoWorkspace = {
  server: DemoServer;
  handle: TenantHandle;
  /** Signs `context` in as a demo member (agent screens). */
  signIn(context: BrowserContext, member?: DemoMember): Promise<void>;
  /** Signs `context` in to the help center as a customer (portal screens). */
  signInCustomer(context: BrowserContext, customerId: number): Promise<void>;
};

export async function openDemoWorkspace(platform: Platform, server: DemoServer): Promise<DemoWorkspace> {
  const tenant = await platform.directory.lookup(DEMO_TENANT.slug);
  if (!tenant) throw new Error(`the server at ${server.baseURL} has no demo workspace "${DEMO_TENANT.slug}" (it is seeded with SEED_DEMO=true)`);
  const handle = platform.router.forTenant(tenant);
  const settings = { sessionSecret: server.sessionSecret, secureCookies: false, sessionMaxHours: 24 };
  const { hostname } = new URL(server.baseURL);
  const setCookie = (context: BrowserContext, serialized: string) => {
    const pair = serialized.split(";")[0]!;
    const separator = pair.indexOf("=");
    return context.addCookies([
      { name: pair.slice(0, separator), value: pair.slice(separator + 1), domain: hostname, path: "/", httpOnly: true, sameSite: "Lax" },
    ]);
  };
  return {
    server,
    handle,
    async signIn(context, member = "admin") {
      const { db, t } = handle;
      const [user] = await db.select({ id: t.users.id }).from(t.users).where(eq(t.users.email, DEMO_TENANT[member].email));
      if (!user) throw new Error(`the demo workspace has no ${member} (${DEMO_TENANT[member].email})`);
      const { token } = await createSession(handle, user.id, { authMethod: "password", userAgent: "playwright" }, settings);
      await setCookie(context, await sessionCookie(settings).serialize(token));
    },
    async signInCustomer(context, customerId) {
      const token = await createCustomerSession(handle, customerId);
      await setCookie(context, await portalCookie(settings, tenant).serialize(token));
    },
  };
}
