import type { AppLoadContext } from "@remix-run/node";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { setTimeout as sleep } from "node:timers/promises";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";
import { AppError } from "../app-error";
import { recordActivity } from "../activity/activity-log.server";
import { queuePasswordChangedNotice, queuePasswordResetLink } from "../email/account-security-emails.server";
import { memberEmailIs } from "../team/member-queries.server";
import { hashPassword } from "./password.server";
import { takeAttempt } from "./rate-limits.server";
import { deleteUserSessions } from "./sessions.server";
import { hashToken, randomToken } from "./tokens.server";

export const PASSWORD_RESET_TTL_MINUTES = 30;

/**
 * Every answer to a reset request takes at least this long, for known and unknown addresses alike.
 * Measured over HTTP without the pad (2 cores, embedded PostgreSQL, 16 tries): a member's address
 * (insert the reset, queue the email and its job) answered in 25–90 ms (130 ms cold), an unknown one
 * (the same lookup and token hashing, no writes) in 19–63 ms, medians ~10 ms apart. With the pad both
 * answer in 300 ms plus the page render; the writes would have to stall for over 200 ms to show.
 */
export const RESET_REQUEST_MIN_MS = 300;

const resetLinkInvalid = () => new AppError("reset_link_invalid", "This password reset link is invalid, was already used, or has expired. Ask for a new one.");

export const passwordResetLink = (origin: string, token: string) => new URL(`/reset-password/${token}`, origin).toString();

/**
 * Emails a single-use reset link to an active member who has a password; any other address (unknown,
 * deactivated, SSO-only) gets nothing. The caller cannot tell which happened: the same work runs up to
 * the lookup and the answer is padded to RESET_REQUEST_MIN_MS. Each request takes a point per
 * address asked for and per client key (refusals name no account, so they can differ).
 */
export async function requestPasswordReset(context: AppLoadContext, email: string): Promise<void> {
  const started = performance.now();
  const normalisedEmail = email.trim().toLowerCase();
  const { passwordResetsByEmail, passwordResetsByIp } = context.services.rateLimits;
  await takeAttempt(
    [
      [passwordResetsByIp, `${context.tenant.id}:${context.clientKey}`],
      [passwordResetsByEmail, `${context.tenant.id}:${hashToken(normalisedEmail)}`],
    ],
    (tryAgain) => `Too many reset requests. ${tryAgain}`,
  );
  try {
    const token = randomToken();
    const tokenHash = hashToken(token);
    const { db, t } = context.db;
    const [member] = await db
      .select({ id: t.users.id, email: t.users.email, name: t.users.name, active: t.users.active, passwordHash: t.users.passwordHash })
      .from(t.users)
      .where(memberEmailIs(t, normalisedEmail))
      .limit(1);
    if (!member?.active || !member.passwordHash) return;
    const origin = context.services.mail.originFor(context.tenant);
    await context.db.transaction(async (tx) => {
      // Only the newest link works.
      await tx
        .update(t.passwordResets)
        .set({ expiresAt: sql`now()` })
        .where(and(eq(t.passwordResets.userId, member.id), isNull(t.passwordResets.usedAt), gt(t.passwordResets.expiresAt, sql`now()`)));
      await tx.insert(t.passwordResets).values({ userId: member.id, tokenHash, expiresAt: sql`now() + make_interval(mins => ${PASSWORD_RESET_TTL_MINUTES})` });
      await queuePasswordResetLink(
        { tx, handle: context.db, origin },
        { member, link: passwordResetLink(origin, token), expiresInMinutes: PASSWORD_RESET_TTL_MINUTES },
      );
    });
  } finally {
    await sleep(Math.max(0, RESET_REQUEST_MIN_MS - (performance.now() - started)));
  }
}

type UsableReset = { id: number; userId: number; email: string; name: string };

/** The reset a token names while it can still be used (unused, unexpired, its member active with a password), else null. */
export async function findUsableReset({ db, t }: Pick<TenantHandle, "db" | "t">, token: string): Promise<UsableReset | null> {
  if (token.length < 20 || token.length > 100 || token.trim() !== token) return null;
  return usableResetWhere(db, t, eq(t.passwordResets.tokenHash, hashToken(token)));
}

async function usableResetWhere(
  db: TenantHandle["db"] | TenantTransaction,
  t: TenantTables,
  condition: ReturnType<typeof eq>,
  lock = false,
): Promise<UsableReset | null> {
  const query = db
    .select({ id: t.passwordResets.id, userId: t.users.id, email: t.users.email, name: t.users.name })
    .from(t.passwordResets)
    .innerJoin(t.users, eq(t.users.id, t.passwordResets.userId))
    .where(
      and(
        condition,
        isNull(t.passwordResets.usedAt),
        gt(t.passwordResets.expiresAt, sql`now()`),
        eq(t.users.active, true),
        sql`${t.users.passwordHash} is not null`,
      ),
    )
    .limit(1);
  const [row] = lock ? await query.for("update") : await query;
  return row ?? null;
}

/**
 * Sets a new password with a reset link, once: the reset row is locked and marked used in the same
 * transaction that changes the password, signs the member out everywhere, records it and tells them.
 * Then clears the account's sign-in lock, so the new password works at once.
 */
export async function resetPassword(context: AppLoadContext, token: string, newPassword: string): Promise<void> {
  const handle = context.db;
  const { t } = handle;
  const reset = await findUsableReset(handle, token);
  if (!reset) throw resetLinkInvalid();
  const passwordHash = await hashPassword(newPassword);
  const origin = context.services.mail.originFor(context.tenant);
  const member = await handle.transaction(async (tx) => {
    const locked = await usableResetWhere(tx, t, eq(t.passwordResets.id, reset.id), true);
    if (!locked) throw resetLinkInvalid();
    await tx
      .update(t.users)
      .set({ passwordHash, updatedAt: sql`now()` })
      .where(eq(t.users.id, locked.userId));
    await tx
      .update(t.passwordResets)
      .set({ usedAt: sql`now()` })
      .where(eq(t.passwordResets.id, locked.id));
    await tx
      .update(t.passwordResets)
      .set({ expiresAt: sql`now()` })
      .where(and(eq(t.passwordResets.userId, locked.userId), isNull(t.passwordResets.usedAt), gt(t.passwordResets.expiresAt, sql`now()`)));
    await deleteUserSessions(tx, t, locked.userId);
    await recordActivity(tx, t, { actorType: "agent", actorUserId: locked.userId, action: "user.password_reset", entityType: "user", entityId: locked.userId });
    await queuePasswordChangedNotice({ tx, handle, origin }, { member: { name: locked.name, email: locked.email } });
    return locked;
  });
  await clearSignInLock(context, member.email);
}

/** The keys password sign-in counts failures under for this account (see signInWithPassword). */
async function clearSignInLock(context: AppLoadContext, email: string): Promise<void> {
  const { loginFailuresByAccount, loginFailuresByEmailAndIp, accountLockNotices } = context.services.rateLimits;
  const accountKey = `${context.tenant.id}:${hashToken(email.toLowerCase())}`;
  await Promise.all([
    loginFailuresByAccount.delete(accountKey),
    accountLockNotices.delete(accountKey),
    loginFailuresByEmailAndIp.delete(`${accountKey}:${context.clientKey}`),
  ]);
}
