import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";
import { AppError, fieldError } from "../app-error";
import { recordActivity } from "../activity/activity-log.server";
import type { CurrentUser } from "../auth/current-user";
import { verifyPassword } from "../auth/password.server";
import { hashToken, randomToken } from "../auth/tokens.server";
import { isUniqueViolation } from "../db-errors.server";
import { queueEmailChangeConfirmation, queueEmailChangedNotice } from "../email/account-security-emails.server";
import { memberEmailIs } from "./member-queries.server";

export const EMAIL_CHANGE_TTL_HOURS = 24;

const linkInvalid = () => new AppError("email_change_link_invalid", "This confirmation link is invalid, was already used or cancelled, or has expired.");
const emailTaken = (field?: string) =>
  field
    ? fieldError(field, "Another member of this workspace signs in with that email.", "email_taken")
    : new AppError("email_taken", "Another member of this workspace now signs in with that email, so the change cannot be made.");

export const emailChangeLink = (origin: string, token: string) => new URL(`/confirm-email/${token}`, origin).toString();

export type PendingEmailChange = { newEmail: string; expiresAt: Date };

const pendingFor = (t: TenantTables) => and(isNull(t.emailChanges.confirmedAt), isNull(t.emailChanges.cancelledAt), gt(t.emailChanges.expiresAt, sql`now()`));

async function emailTakenByAnother(db: TenantHandle["db"] | TenantTransaction, t: TenantTables, email: string, userId: number): Promise<boolean> {
  const [other] = await db
    .select({ id: t.users.id })
    .from(t.users)
    .where(and(memberEmailIs(t, email), ne(t.users.id, userId)))
    .limit(1);
  return Boolean(other);
}

/**
 * Asks to sign in with `newEmail`: needs the current password, and sends a single-use link to the new
 * address. Nothing changes until it is confirmed; a new request replaces the pending one.
 */
export async function requestEmailChange(
  handle: TenantHandle,
  user: CurrentUser,
  input: { currentPassword: string; newEmail: string },
  origin: string,
): Promise<void> {
  const { db, t } = handle;
  const [row] = await db.select({ passwordHash: t.users.passwordHash }).from(t.users).where(eq(t.users.id, user.id));
  // The email of an SSO-only member is the identity provider's to state; its sign-in matches on it.
  if (!row?.passwordHash)
    throw fieldError(
      "currentPassword",
      "Your account signs in with single sign-on only, so its email comes from your company's identity provider.",
      "wrong_password",
    );
  if (!(await verifyPassword(row.passwordHash, input.currentPassword)))
    throw fieldError("currentPassword", "That is not your current password", "wrong_password");
  if (input.newEmail === user.email.toLowerCase()) throw fieldError("newEmail", "That is already your email");
  if (await emailTakenByAnother(db, t, input.newEmail, user.id)) throw emailTaken("newEmail");
  const token = randomToken();
  await handle.transaction(async (tx) => {
    await tx
      .update(t.emailChanges)
      .set({ cancelledAt: sql`now()` })
      .where(and(eq(t.emailChanges.userId, user.id), pendingFor(t)));
    await tx.insert(t.emailChanges).values({
      userId: user.id,
      newEmail: input.newEmail,
      tokenHash: hashToken(token),
      expiresAt: sql`now() + make_interval(hours => ${EMAIL_CHANGE_TTL_HOURS})`,
    });
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: user.id,
      action: "user.email_change_requested",
      entityType: "user",
      entityId: user.id,
      changes: { email: { from: user.email, to: input.newEmail } },
    });
    await queueEmailChangeConfirmation(
      { tx, handle, origin },
      { member: user, newEmail: input.newEmail, link: emailChangeLink(origin, token), expiresInHours: EMAIL_CHANGE_TTL_HOURS },
    );
  });
}

export async function pendingEmailChange({ db, t }: TenantHandle, userId: number): Promise<PendingEmailChange | null> {
  const [row] = await db
    .select({ newEmail: t.emailChanges.newEmail, expiresAt: t.emailChanges.expiresAt })
    .from(t.emailChanges)
    .where(and(eq(t.emailChanges.userId, userId), pendingFor(t)))
    .limit(1);
  return row ?? null;
}

/** Returns whether there was a pending change to cancel. */
export async function cancelEmailChange({ db, t }: TenantHandle, userId: number): Promise<boolean> {
  const cancelled = await db
    .update(t.emailChanges)
    .set({ cancelledAt: sql`now()` })
    .where(and(eq(t.emailChanges.userId, userId), pendingFor(t)))
    .returning({ id: t.emailChanges.id });
  return cancelled.length > 0;
}

type UsableChange = { id: number; userId: number; newEmail: string; oldEmail: string; name: string };

async function usableChangeWhere(db: TenantHandle["db"] | TenantTransaction, t: TenantTables, condition: ReturnType<typeof eq>, lock = false) {
  const query = db
    .select({ id: t.emailChanges.id, userId: t.users.id, newEmail: t.emailChanges.newEmail, oldEmail: t.users.email, name: t.users.name })
    .from(t.emailChanges)
    .innerJoin(t.users, eq(t.users.id, t.emailChanges.userId))
    .where(and(condition, pendingFor(t), eq(t.users.active, true)))
    .limit(1);
  const [row]: UsableChange[] = lock ? await query.for("update") : await query;
  return row ?? null;
}

/** The pending change a token names, else null (unknown, expired, used, cancelled, malformed, member deactivated). */
export async function findEmailChange({ db, t }: TenantHandle, token: string): Promise<{ newEmail: string; oldEmail: string } | null> {
  if (token.length < 20 || token.length > 100 || token.trim() !== token) return null;
  const change = await usableChangeWhere(db, t, eq(t.emailChanges.tokenHash, hashToken(token)));
  return change ? { newEmail: change.newEmail, oldEmail: change.oldEmail } : null;
}

/**
 * Makes the new email the member's sign-in identity, once, unless another member has taken it since
 * the request; the old address is told.
 */
export async function confirmEmailChange(handle: TenantHandle, token: string, origin: string): Promise<{ newEmail: string }> {
  if (token.length < 20 || token.length > 100 || token.trim() !== token) throw linkInvalid();
  const { t } = handle;
  try {
    return await handle.transaction(async (tx) => {
      const change = await usableChangeWhere(tx, t, eq(t.emailChanges.tokenHash, hashToken(token)), true);
      if (!change) throw linkInvalid();
      if (await emailTakenByAnother(tx, t, change.newEmail, change.userId)) throw emailTaken();
      await tx
        .update(t.users)
        .set({ email: change.newEmail, updatedAt: sql`now()` })
        .where(eq(t.users.id, change.userId));
      await tx
        .update(t.emailChanges)
        .set({ confirmedAt: sql`now()` })
        .where(eq(t.emailChanges.id, change.id));
      await recordActivity(tx, t, {
        actorType: "agent",
        actorUserId: change.userId,
        action: "user.email_changed",
        entityType: "user",
        entityId: change.userId,
        changes: { email: { from: change.oldEmail, to: change.newEmail } },
      });
      await queueEmailChangedNotice({ tx, handle, origin }, { member: { name: change.name, email: change.oldEmail }, newEmail: change.newEmail });
      return { newEmail: change.newEmail };
    });
  } catch (error) {
    // Taken between the check and the update: users_email_key decides.
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}
