import { and, asc, desc, eq, gt, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables, UserRole } from "../../db/tenant-tables";
import { AppError } from "../app-error";
import { recordActivity } from "../activity/activity-log.server";
import type { CurrentUser } from "../auth/current-user";
import { deleteUserSessions } from "../auth/sessions.server";
import { rowIdParam } from "../route-params";

export type TeamMember = { id: number; name: string; email: string; role: UserRole; active: boolean; lastSeenAt: Date | null; createdAt: Date };
export type TeamInvite = { id: number; email: string; role: UserRole; expiresAt: Date; createdAt: Date };

const teamRule = (message: string) => new AppError("team_rule", message);

/** The changes the team screen's buttons send, by `intent`. */
export const teamChangeSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("role"), userId: rowIdParam, role: z.enum(["agent", "admin"]) }),
  z.object({ intent: z.literal("deactivate"), userId: rowIdParam }),
  z.object({ intent: z.literal("reactivate"), userId: rowIdParam }),
  z.object({ intent: z.literal("revoke-invite"), inviteId: rowIdParam }),
]);
export type TeamChange = z.output<typeof teamChangeSchema>;

export async function applyTeamChange(handle: TenantHandle, actor: CurrentUser, change: TeamChange): Promise<void> {
  switch (change.intent) {
    case "role":
      return changeRole(handle, actor, change.userId, change.role);
    case "deactivate":
    case "reactivate":
      return setActive(handle, actor, change.userId, change.intent === "reactivate");
    case "revoke-invite":
      return revokeInvite(handle, actor, change.inviteId);
  }
}

export async function listTeam({ db, t }: TenantHandle): Promise<{ members: TeamMember[]; invites: TeamInvite[] }> {
  const [members, invites] = await Promise.all([
    db
      .select({
        id: t.users.id,
        name: t.users.name,
        email: t.users.email,
        role: t.users.role,
        active: t.users.active,
        lastSeenAt: t.users.lastSeenAt,
        createdAt: t.users.createdAt,
      })
      .from(t.users)
      .orderBy(desc(t.users.active), asc(t.users.name)),
    db
      .select({ id: t.invites.id, email: t.invites.email, role: t.invites.role, expiresAt: t.invites.expiresAt, createdAt: t.invites.createdAt })
      .from(t.invites)
      .where(and(isNull(t.invites.acceptedAt), isNull(t.invites.revokedAt), gt(t.invites.expiresAt, sql`now()`)))
      .orderBy(desc(t.invites.createdAt)),
  ]);
  return { members, invites };
}

export async function changeRole(handle: TenantHandle, actor: CurrentUser, userId: number, role: UserRole): Promise<void> {
  await updateMember(handle, actor, userId, async (tx, t, member) => {
    if (member.role === role) return null;
    if (member.role === "admin" && member.active) await assertAnotherActiveAdmin(tx, t, userId, "demote");
    await tx
      .update(t.users)
      .set({ role, updatedAt: sql`now()` })
      .where(eq(t.users.id, userId));
    return { action: "user.role_changed", changes: { role: { from: member.role, to: role } } };
  });
}

/** Deactivating also deletes every session and API-token access of the member at once. */
export async function setActive(handle: TenantHandle, actor: CurrentUser, userId: number, active: boolean): Promise<void> {
  await updateMember(handle, actor, userId, async (tx, t, member) => {
    if (member.active === active) return null;
    if (!active && member.role === "admin") await assertAnotherActiveAdmin(tx, t, userId, "deactivate");
    await tx
      .update(t.users)
      .set({ active, updatedAt: sql`now()` })
      .where(eq(t.users.id, userId));
    if (!active) await deleteUserSessions(tx, t, userId);
    return { action: active ? "user.reactivated" : "user.deactivated", changes: { active: { from: member.active, to: active } } };
  });
}

export async function revokeInvite(handle: TenantHandle, actor: CurrentUser, inviteId: number): Promise<void> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    const [invite] = await tx
      .update(t.invites)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(t.invites.id, inviteId), isNull(t.invites.acceptedAt), isNull(t.invites.revokedAt)))
      .returning({ email: t.invites.email });
    if (!invite) throw teamRule("That invite no longer exists.");
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: actor.id,
      action: "invite.revoked",
      entityType: "invite",
      entityId: inviteId,
      changes: { email: { from: invite.email, to: null } },
    });
  });
}

type MemberChange = { action: string; changes: Record<string, { from: unknown; to: unknown }> } | null;

async function updateMember(
  handle: TenantHandle,
  actor: CurrentUser,
  userId: number,
  change: (tx: TenantTransaction, t: TenantTables, member: { role: UserRole; active: boolean }) => Promise<MemberChange>,
): Promise<void> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    // Lock every admin row first so two admins demoting each other at once cannot leave none.
    await tx.select({ id: t.users.id }).from(t.users).where(eq(t.users.role, "admin")).orderBy(asc(t.users.id)).for("update");
    const [member] = await tx.select({ role: t.users.role, active: t.users.active }).from(t.users).where(eq(t.users.id, userId)).for("update");
    if (!member) throw teamRule("That team member does not exist.");
    const result = await change(tx, t, member);
    if (result)
      await recordActivity(tx, t, {
        actorType: "agent",
        actorUserId: actor.id,
        action: result.action,
        entityType: "user",
        entityId: userId,
        changes: result.changes,
      });
  });
}

async function assertAnotherActiveAdmin(tx: TenantTransaction, t: TenantTables, userId: number, verb: "demote" | "deactivate") {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(t.users)
    .where(and(eq(t.users.role, "admin"), eq(t.users.active, true), sql`${t.users.id} <> ${userId}`));
  if ((row?.count ?? 0) === 0) throw teamRule(`You cannot ${verb} the last active admin. Make someone else an admin first.`);
}
