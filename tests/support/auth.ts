import type { TenantRecord } from "../../tenancy/tenant-record";
import type { Platform } from "../../tenancy/platform";
import { csrfTokenFor } from "../../app/auth/csrf.server";
import { hashPassword } from "../../app/auth/password.server";
import { sessionCookie } from "../../app/auth/session-cookie.server";
import { createSession } from "../../app/auth/sessions.server";
import type { UserRole } from "../../db/tenant-tables";
import { TEST_SESSION_SECRET } from "./test-server";

export const TEST_AUTH_SETTINGS = {
  sessionSecret: TEST_SESSION_SECRET,
  secureCookies: false,
  sessionIdleMinutes: 720,
  sessionMaxHours: 336,
  inviteTtlHours: 72,
};

export async function createMember(
  platform: Platform,
  tenant: TenantRecord,
  { email, role = "agent", password = "correct horse battery", name }: { email: string; role?: UserRole; password?: string; name?: string },
) {
  const { db, t } = platform.router.forTenant(tenant);
  const [user] = await db
    .insert(t.users)
    .values({ email, name: name ?? email.split("@")[0]!, role, passwordHash: await hashPassword(password), origin: "invite" })
    .returning({ id: t.users.id, email: t.users.email, name: t.users.name, role: t.users.role });
  return user!;
}

/** Signs a member in by writing a session row, as the Epic Stack does in tests; only sign-in tests use the form. */
export async function sessionFor(platform: Platform, tenant: TenantRecord, userId: number) {
  const { token, sessionId } = await createSession(platform.router.forTenant(tenant), userId, { authMethod: "password" }, TEST_AUTH_SETTINGS);
  const setCookie = await sessionCookie(TEST_AUTH_SETTINGS).serialize(token);
  return { cookie: setCookie.split(";")[0]!, csrf: csrfTokenFor(TEST_SESSION_SECRET, sessionId), sessionId };
}

export function form(fields: Record<string, string>) {
  return new URLSearchParams(fields).toString();
}

export function postHeaders(origin: string, extra: Record<string, string> = {}) {
  return { "content-type": "application/x-www-form-urlencoded", origin, ...extra };
}
