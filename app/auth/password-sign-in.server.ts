import type { AppLoadContext } from "@remix-run/node";
import { AppError } from "../app-error";
import { memberColumns, memberEmailIs } from "../team/member-queries.server";
import { noticeAccountLocked } from "./account-lock.server";
import type { CurrentUser } from "./current-user";
import { hashPassword, verifyPassword } from "./password.server";
import { refundAttempt, takeAttempt, type LimitCheck } from "./rate-limits.server";
import { signInSession } from "./sessions.server";
import { hashToken } from "./tokens.server";

const invalidCredentials = () => new AppError("invalid_credentials", "That email and password do not match an active account in this workspace.");

// Compared against when the email is unknown, so both answers take the same time.
const DUMMY_HASH = hashPassword("conductor-timing-equaliser");

/** `origin`: the workspace's address, for the link in an account-locked notice. */
type SignInRequest = { email: string; password: string; userAgent: string | null; origin: string };

/**
 * Checks an email and password for this workspace and opens a session. Every attempt first takes
 * a point, atomically, per client address, per email+address and per account (the email, from all
 * addresses; in Postgres, shared by all processes); a right password gives them back. Once any is
 * used up every attempt is refused until its window passes, even with the right password, and the
 * account's owner is emailed when the account's own limit trips.
 */
export async function signInWithPassword(
  context: AppLoadContext,
  { email, password, userAgent, origin }: SignInRequest,
): Promise<{ user: CurrentUser; token: string }> {
  const { db, t } = context.db;
  const { rateLimits } = context.services;
  const normalisedEmail = email.trim().toLowerCase();
  const emailDigest = hashToken(normalisedEmail);
  const byIp: LimitCheck = [rateLimits.loginFailuresByIp, `${context.tenant.id}:${context.clientKey}`];
  const byEmailAndIp: LimitCheck = [rateLimits.loginFailuresByEmailAndIp, `${context.tenant.id}:${emailDigest}:${context.clientKey}`];
  const byAccount: LimitCheck = [rateLimits.loginFailuresByAccount, `${context.tenant.id}:${emailDigest}`];
  const accountLocked = (pausedForSeconds: number) =>
    noticeAccountLocked(context, { email: normalisedEmail, accountKey: byAccount[1], origin, pausedForSeconds });

  const taken = await takeAttempt([byIp, byEmailAndIp, byAccount]).catch((error: unknown) => {
    // The first attempt the account's limit refuses: a lock can also begin without a failure at the limit (a right password given back).
    if (AppError.is(error, "rate_limited")) {
      const { refusedBy, retryAfterSeconds = 0 } = error.details as { refusedBy?: { limiter: string; consumedPoints: number }; retryAfterSeconds?: number };
      if (refusedBy?.limiter === byAccount[0].keyPrefix && refusedBy.consumedPoints === byAccount[0].points + 1) accountLocked(retryAfterSeconds);
    }
    throw error;
  });
  const account = taken[2]!;

  const [row] = await db
    .select({ ...memberColumns(t), active: t.users.active, passwordHash: t.users.passwordHash })
    .from(t.users)
    .where(memberEmailIs(t, normalisedEmail))
    .limit(1);
  const passwordMatches = await verifyPassword(row?.passwordHash ?? (await DUMMY_HASH), password);
  if (!row || !row.active || !row.passwordHash || !passwordMatches) {
    if (account.remainingPoints === 0) accountLocked(Math.ceil(account.msBeforeNext / 1000));
    throw invalidCredentials();
  }
  await Promise.all([byEmailAndIp[0].delete(byEmailAndIp[1]), refundAttempt([byIp, byAccount])]);

  return signInSession(context, { id: row.id, email: row.email, name: row.name, role: row.role }, "password", userAgent);
}
