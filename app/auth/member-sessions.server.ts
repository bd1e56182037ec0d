import { createHash } from "node:crypto";
import { and, desc, eq, gt, ne, sql } from "drizzle-orm";
import * as z from "zod";
import type { TenantHandle } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import { notFound } from "../app-error";
import { describeUserAgent } from "./user-agent-summary";

/**
 * A member's signed-in sessions, as they and the admins see them (`/settings/profile`,
 * `/settings/team`). A session is named by a handle derived from its id: the id is the hash of the
 * cookie's token and stays on the server.
 */

export type MemberSession = {
  handle: string;
  device: string;
  ipAddress: string | null;
  signedInWith: string;
  createdAt: Date;
  lastActiveAt: Date;
  current: boolean;
};

/** A handle as handleOf writes it: 22 base64url characters. */
const sessionHandleSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

const handleOf = (sessionId: string) => createHash("sha256").update(`session-handle:${sessionId}`).digest("base64url").slice(0, 22);

/** The member whose sessions an admin looks at; another workspace's or an unknown id is not found. */
export async function sessionOwner({ db, t }: Pick<TenantHandle, "db" | "t">, userId: number): Promise<{ id: number; name: string; email: string }> {
  const [member] = await db.select({ id: t.users.id, name: t.users.name, email: t.users.email }).from(t.users).where(eq(t.users.id, userId));
  if (!member) throw notFound("That member");
  return member;
}

/** The member's unexpired sessions, most recently active first. */
export async function listMemberSessions({ db, t }: Pick<TenantHandle, "db" | "t">, userId: number, currentSessionId: string | null): Promise<MemberSession[]> {
  const rows = await db
    .select({
      id: t.sessions.id,
      authMethod: t.sessions.authMethod,
      ipAddress: t.sessions.ipAddress,
      userAgent: t.sessions.userAgent,
      createdAt: t.sessions.createdAt,
      lastActiveAt: t.sessions.lastActiveAt,
    })
    .from(t.sessions)
    .where(and(eq(t.sessions.userId, userId), gt(t.sessions.expiresAt, sql`now()`)))
    .orderBy(desc(t.sessions.lastActiveAt));
  return rows.map((row) => ({
    handle: handleOf(row.id),
    device: describeUserAgent(row.userAgent),
    ipAddress: row.ipAddress,
    signedInWith: row.authMethod === "sso" ? "single sign-on" : row.authMethod === "invite" ? "an invite" : "password",
    createdAt: row.createdAt,
    lastActiveAt: row.lastActiveAt,
    current: row.id === currentSessionId,
  }));
}

/** Signs one of the member's sessions out; another member's handle is not found. */
export async function endMemberSession(handle: TenantHandle, actor: Actor, userId: number, sessionHandle: string): Promise<void> {
  const { t } = handle;
  if (!sessionHandleSchema.safeParse(sessionHandle).success) throw notFound("That session");
  await handle.transaction(async (tx) => {
    const sessions = await tx.select({ id: t.sessions.id }).from(t.sessions).where(eq(t.sessions.userId, userId));
    const target = sessions.find((session) => handleOf(session.id) === sessionHandle);
    if (!target) throw notFound("That session");
    await tx.delete(t.sessions).where(eq(t.sessions.id, target.id));
    await recordActivity(tx, t, { ...actorColumns(actor), action: "user.session_ended", entityType: "user", entityId: userId });
  });
}

/** Signs the member out everywhere, or everywhere but `keepSessionId`; returns how many sessions ended. */
export async function endMemberSessions(handle: TenantHandle, actor: Actor, userId: number, keepSessionId: string | null): Promise<number> {
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const ended = await tx
      .delete(t.sessions)
      .where(and(eq(t.sessions.userId, userId), keepSessionId ? ne(t.sessions.id, keepSessionId) : undefined))
      .returning({ id: t.sessions.id });
    if (ended.length > 0) {
      await recordActivity(tx, t, {
        ...actorColumns(actor),
        action: "user.sessions_ended",
        entityType: "user",
        entityId: userId,
        changes: { sessions: { from: ended.length, to: 0 } },
      });
    }
    return ended.length;
  });
}
