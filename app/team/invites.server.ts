import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import type { acceptInviteSchema, inviteSchema } from "./team-schemas";
import type { TenantDatabase, TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { AppError, fieldError } from "../app-error";
import { recordActivity } from "../activity/activity-log.server";
import type { CurrentUser } from "../auth/current-user";
import { hashPassword } from "../auth/password.server";
import { hashToken, randomToken } from "../auth/tokens.server";
import { queueTeamInvite, type MailContext } from "../email/notifications.server";
import { memberColumns, memberEmailIs } from "./member-queries.server";
import type { TenantTables, UserRole } from "../../db/tenant-tables";

const inviteInvalid = () => new AppError("invite_invalid", "This invite link is invalid or has expired. Ask an admin for a new one.");

export type PendingInvite = { id: number; email: string; role: UserRole };

/** The address an invite token is accepted at. */
export const inviteLink = (origin: string, token: string) => new URL(`/invite/${token}`, origin).toString();

/**
 * Creates a single-use invite; the token is returned once (for the link) and stored hashed. With
 * `mail`, the invite email is queued in the same transaction.
 */
export async function createInvite(
  handle: TenantHandle,
  actor: CurrentUser | null,
  input: z.output<typeof inviteSchema>,
  ttlHours: number,
  mail?: MailContext,
): Promise<{ token: string }> {
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const [existing] = await tx.select({ id: t.users.id }).from(t.users).where(memberEmailIs(t, input.email)).limit(1);
    if (existing) throw fieldError("email", "This person is already a member of the team.", "already_member");
    // A new invite replaces any earlier one for the same email.
    await tx
      .update(t.invites)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(sql`lower(${t.invites.email})`, input.email), isNull(t.invites.acceptedAt), isNull(t.invites.revokedAt)));
    const { id, token } = await insertInvite(tx, t, { email: input.email, role: input.role, invitedByUserId: actor?.id ?? null, ttlHours });
    await recordActivity(tx, t, {
      actorType: actor ? "agent" : "system",
      actorUserId: actor?.id ?? null,
      action: "invite.created",
      entityType: "invite",
      entityId: id,
      changes: { email: { from: null, to: input.email }, role: { from: null, to: input.role } },
    });
    if (mail)
      await queueTeamInvite(
        { tx, handle, origin: mail.origin },
        { email: input.email, inviterName: actor?.name ?? handle.tenant.name, link: inviteLink(mail.origin, token), expiresInHours: ttlHours },
      );
    return { token };
  });
}

/** Writes a single-use invite row; the token is returned once and stored only as its hash. */
export async function insertInvite(
  db: TenantTransaction | TenantDatabase,
  t: TenantTables,
  { email, role, invitedByUserId, ttlHours }: { email: string; role: UserRole; invitedByUserId: number | null; ttlHours: number },
): Promise<{ id: number; token: string }> {
  const token = randomToken();
  const [invite] = await db
    .insert(t.invites)
    .values({ email, role, tokenHash: hashToken(token), invitedByUserId, expiresAt: sql`now() + make_interval(hours => ${ttlHours})` })
    .returning({ id: t.invites.id });
  return { id: invite!.id, token };
}

/** The pending invite for a token, or null for anything unusable (unknown, expired, used, revoked, malformed). */
export async function findPendingInvite({ db, t }: TenantHandle, token: string): Promise<PendingInvite | null> {
  const trimmed = token.trim();
  if (trimmed.length < 20 || trimmed.length > 100 || trimmed !== token) return null;
  return pendingInviteWhere(db, t, eq(t.invites.tokenHash, hashToken(token)));
}

async function pendingInviteWhere(db: TenantHandle["db"] | TenantTransaction, t: TenantTables, condition: ReturnType<typeof eq>, lock = false) {
  const query = db
    .select({ id: t.invites.id, email: t.invites.email, role: t.invites.role })
    .from(t.invites)
    .where(and(condition, isNull(t.invites.acceptedAt), isNull(t.invites.revokedAt), gt(t.invites.expiresAt, sql`now()`)))
    .limit(1);
  const [row] = lock ? await query.for("update") : await query;
  return row ?? null;
}

/** Turns an invite into a team member, once: the invite row is locked and marked accepted in the same transaction. */
export async function acceptInvite(handle: TenantHandle, token: string, input: z.output<typeof acceptInviteSchema>): Promise<CurrentUser> {
  const invite = await findPendingInvite(handle, token);
  if (!invite) throw inviteInvalid();
  const passwordHash = await hashPassword(input.password);
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const locked = await pendingInviteWhere(tx, t, eq(t.invites.id, invite.id), true);
    if (!locked) throw inviteInvalid();
    const user = await createUserFromInvite(tx, t, locked, { name: input.name, passwordHash });
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: user.id,
      action: "invite.accepted",
      entityType: "user",
      entityId: user.id,
      changes: { role: { from: null, to: user.role } },
    });
    return user;
  });
}

/** Shared by password invites and SSO sign-in: creates the member and closes the invite. */
export async function createUserFromInvite(
  tx: TenantTransaction,
  t: TenantTables,
  invite: PendingInvite,
  { name, passwordHash }: { name: string; passwordHash: string | null },
): Promise<CurrentUser> {
  const [inviteRow] = await tx
    .update(t.invites)
    .set({ acceptedAt: sql`now()` })
    .where(eq(t.invites.id, invite.id))
    .returning({ invitedBy: t.invites.invitedByUserId });
  const [user] = await tx
    .insert(t.users)
    .values({ email: invite.email, name, role: invite.role, passwordHash, origin: "invite", invitedByUserId: inviteRow?.invitedBy ?? null })
    .returning(memberColumns(t));
  return user!;
}

export async function pendingInviteForEmail(tx: TenantTransaction, t: TenantTables, email: string): Promise<PendingInvite | null> {
  return pendingInviteWhere(tx, t, eq(sql`lower(${t.invites.email})`, email.toLowerCase()), true);
}
