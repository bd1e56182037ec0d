import { and, eq, ne, sql } from "drizzle-orm";
import type { AppLoadContext } from "@remix-run/node";
import type { TenantHandle } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { memberColumns } from "../team/member-queries.server";
import type { AuthSettings } from "./auth-settings.server";
import type { CurrentUser } from "./current-user";
import { queueSecurityNotice } from "../email/account-security-emails.server";
import { hashToken, randomToken } from "./tokens.server";
import { describeUserAgent } from "./user-agent-summary";

type SessionMeta = { authMethod: "password" | "sso" | "invite"; ipAddress?: string | null; userAgent?: string | null };

/** Writes a session row and returns the token for the cookie; only its hash is stored. */
export async function createSession(
  { db, t }: Pick<TenantHandle, "db" | "t">,
  userId: number,
  meta: SessionMeta,
  settings: Pick<AuthSettings, "sessionMaxHours">,
): Promise<{ token: string; sessionId: string }> {
  const token = randomToken();
  const sessionId = hashToken(token);
  await db.insert(t.sessions).values({
    id: sessionId,
    userId,
    authMethod: meta.authMethod,
    ipAddress: meta.ipAddress ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
    expiresAt: sql`now() + make_interval(hours => ${settings.sessionMaxHours})`,
  });
  await db
    .update(t.users)
    .set({ lastSeenAt: sql`now()` })
    .where(eq(t.users.id, userId));
  return { token, sessionId };
}

/**
 * The signed-in user for a cookie token, or null when the session is unknown, past its absolute
 * lifetime, idle for too long, or its user is deactivated. Activity is recorded at most once a minute.
 */
export async function findActiveSession(
  { db, t }: Pick<TenantHandle, "db" | "t">,
  token: string,
  settings: Pick<AuthSettings, "sessionIdleMinutes">,
): Promise<{ sessionId: string; user: CurrentUser } | null> {
  const sessionId = hashToken(token);
  const [row] = await db
    .select({
      lastActiveAt: t.sessions.lastActiveAt,
      live: sql<boolean>`${t.sessions.expiresAt} > now() AND ${t.sessions.lastActiveAt} > now() - make_interval(mins => ${settings.sessionIdleMinutes})`,
      stale: sql<boolean>`${t.sessions.lastActiveAt} < now() - interval '1 minute'`,
      user: { ...memberColumns(t), active: t.users.active },
    })
    .from(t.sessions)
    .innerJoin(t.users, eq(t.users.id, t.sessions.userId))
    .where(eq(t.sessions.id, sessionId))
    .limit(1);
  if (!row) return null;
  if (!row.live || !row.user.active) {
    await db.delete(t.sessions).where(eq(t.sessions.id, sessionId));
    return null;
  }
  if (row.stale) {
    await db
      .update(t.sessions)
      .set({ lastActiveAt: sql`now()` })
      .where(eq(t.sessions.id, sessionId));
    await db
      .update(t.users)
      .set({ lastSeenAt: sql`now()` })
      .where(eq(t.users.id, row.user.id));
  }
  const { active: _active, ...user } = row.user;
  return { sessionId, user };
}

/**
 * Opens a session for a member who just proved who they are and logs the sign-in with its device.
 * A sign-in from a device the member has not signed in with for 90 days is emailed to them (not the
 * first sign-in ever: there is nothing to compare it with).
 */
export async function signInSession(
  context: AppLoadContext,
  user: CurrentUser,
  method: "password" | "sso",
  userAgent: string | null,
): Promise<{ user: CurrentUser; token: string }> {
  const { token } = await createSession(context.db, user.id, { authMethod: method, ipAddress: context.clientIp, userAgent }, context.services.auth);
  const handle = context.db;
  const { t } = handle;
  const device = describeUserAgent(userAgent);
  await handle.transaction(async (tx) => {
    const signIns = and(eq(t.activityLogs.entityType, "user"), eq(t.activityLogs.entityId, user.id), eq(t.activityLogs.action, "user.signed_in"));
    const [earlier] = await tx.select({ id: t.activityLogs.id }).from(t.activityLogs).where(signIns).limit(1);
    const [sameDevice] = await tx
      .select({ id: t.activityLogs.id })
      .from(t.activityLogs)
      .where(and(signIns, sql`${t.activityLogs.changes}->'device'->>'to' = ${device}`, sql`${t.activityLogs.createdAt} > now() - interval '90 days'`))
      .limit(1);
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: user.id,
      action: "user.signed_in",
      entityType: "user",
      entityId: user.id,
      changes: { method: { from: null, to: method }, device: { from: null, to: device }, ipAddress: { from: null, to: context.clientIp } },
    });
    if (earlier && !sameDevice) {
      await queueSecurityNotice(
        { tx, handle, origin: context.services.mail.originFor(context.tenant) },
        {
          member: user,
          kind: "new_device_sign_in",
          subject: `New sign-in to ${context.tenant.name} from ${device}`,
          lines: [
            `Your account (${user.email}) just signed in to ${context.tenant.name} from ${device} at ${context.clientIp}, which it has not used for at least 90 days.`,
          ],
        },
      );
    }
  });
  return { user, token };
}

export async function deleteSession({ db, t }: Pick<TenantHandle, "db" | "t">, sessionId: string): Promise<void> {
  await db.delete(t.sessions).where(eq(t.sessions.id, sessionId));
}

/** Signs a user out everywhere (or everywhere but the current session). */
export async function deleteUserSessions(
  db: Pick<TenantHandle["db"], "delete">,
  t: TenantHandle["t"],
  userId: number,
  exceptSessionId?: string,
): Promise<void> {
  await db.delete(t.sessions).where(exceptSessionId ? and(eq(t.sessions.userId, userId), ne(t.sessions.id, exceptSessionId)) : eq(t.sessions.userId, userId));
}
