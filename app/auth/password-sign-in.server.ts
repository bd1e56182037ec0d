import { createCookie, type AppLoadContext, type Cookie } from "@remix-run/node";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import * as z from "zod";
import { AppError } from "../app-error";
import { memberColumns, memberEmailIs } from "../team/member-queries.server";
import { noticeAccountLocked } from "./account-lock.server";
import type { AuthSettings } from "./auth-settings.server";
import type { CurrentUser } from "./current-user";
import { hashPassword, verifyPassword } from "./password.server";
import { refundAttempt, takeAttempt, type LimitCheck } from "./rate-limits.server";
import { decryptSecret, encryptSecret } from "./secret-box.server";
import { signInSession } from "./sessions.server";
import { hashToken, hmac } from "./tokens.server";
import { proveSecondFactor, type SecondFactorMethod } from "./two-factor.server";

const invalidCredentials = () => new AppError("invalid_credentials", "That email and password do not match an active account in this workspace.");

// Compared against when the email is unknown, so both answers take the same time.
const DUMMY_HASH = hashPassword("conductor-timing-equaliser");

/** `origin`: the workspace's address, for the link in an account-locked notice. */
type SignInRequest = { email: string; password: string; userAgent: string | null; origin: string };

/**
 * Checks an email and password for this workspace and opens a session, or for a member with
 * two-factor on, returns the challenge of the second step instead. Every attempt first takes
 * a point, atomically, per client address, per email+address and per account (the email, from all
 * addresses; in Postgres, shared by all processes); a right password gives them back. Once any is
 * used up every attempt is refused until its window passes, even with the right password, and the
 * account's owner is emailed when the account's own limit trips.
 */
export async function signInWithPassword(context: AppLoadContext, { email, password, userAgent, origin }: SignInRequest): Promise<PasswordSignInOutcome> {
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
    .select({
      ...memberColumns(t),
      active: t.users.active,
      passwordHash: t.users.passwordHash,
      twoFactorOn: sql<boolean>`${t.memberTotp.confirmedAt} is not null`,
    })
    .from(t.users)
    .leftJoin(t.memberTotp, eq(t.memberTotp.userId, t.users.id))
    .where(memberEmailIs(t, normalisedEmail))
    .limit(1);
  const passwordMatches = await verifyPassword(row?.passwordHash ?? (await DUMMY_HASH), password);
  if (!row || !row.active || !row.passwordHash || !passwordMatches) {
    if (account.remainingPoints === 0) accountLocked(Math.ceil(account.msBeforeNext / 1000));
    throw invalidCredentials();
  }
  await Promise.all([byEmailAndIp[0].delete(byEmailAndIp[1]), refundAttempt([byIp, byAccount])]);

  if (row.twoFactorOn) return { secondFactor: { userId: row.id, passwordStamp: passwordStamp(row.passwordHash) } };
  return signInSession(context, { id: row.id, email: row.email, name: row.name, role: row.role }, "password", userAgent);
}

/**
 * A right password either opens a session, or, for a member with two-factor on, only earns the
 * second step: a challenge the sign-in page keeps in the pending sign-in cookie.
 */
export type PasswordSignInOutcome = { user: CurrentUser; token: string } | { secondFactor: SecondFactorChallenge };

/** Who passed the password, and which password (a change or reset in between voids the challenge). */
export type SecondFactorChallenge = { userId: number; passwordStamp: string };

export const SECOND_FACTOR_MINUTES = 5;

const pendingSignInSchema = z.object({
  v: z.literal(1),
  tenantId: z.string(),
  userId: z.number().int().positive(),
  passwordStamp: z.string(),
  expiresAt: z.number(),
  redirectTo: z.string(),
});

/** Between a right password and the second factor: sealed, bound to the workspace, the member's password and a deadline. */
export type PendingSignIn = z.infer<typeof pendingSignInSchema>;

const passwordStamp = (passwordHash: string) => hashToken(`password-stamp:${passwordHash}`);

// Its own key: a sealed TOTP or SSO secret is never a pending sign-in, nor the reverse.
const pendingSignInKey = (sessionSecret: string) => hmac(sessionSecret, "pending-sign-in");

/** Seals a pending sign-in with the deployment's SESSION_SECRET. */
export function sealPendingSignIn(sessionSecret: string, pending: PendingSignIn): string {
  return encryptSecret(pendingSignInKey(sessionSecret), JSON.stringify(pending));
}

/** The Set-Cookie header that starts the second step. */
export async function startPendingSignIn(context: AppLoadContext, challenge: SecondFactorChallenge, redirectTo: string): Promise<string> {
  const pending: PendingSignIn = { v: 1, tenantId: context.tenant.id, ...challenge, expiresAt: Date.now() + SECOND_FACTOR_MINUTES * 60_000, redirectTo };
  return pendingSignInCookie(context.services.auth).serialize(sealPendingSignIn(context.services.auth.sessionSecret, pending));
}

/**
 * The pending sign-in cookie. It proves a password only; the authentication middleware never reads
 * it, so it opens no page and no API. Its value is sealed (AES-GCM): the browser can neither read
 * nor alter it, and its expiry is checked from inside the seal, not from the cookie's Max-Age.
 */
export function pendingSignInCookie(settings: Pick<AuthSettings, "secureCookies">): Cookie {
  return createCookie(settings.secureCookies ? "__Host-conductor_pending_sign_in" : "conductor_pending_sign_in", {
    httpOnly: true,
    sameSite: "lax",
    secure: settings.secureCookies,
    path: "/",
    maxAge: SECOND_FACTOR_MINUTES * 60,
  });
}

export async function clearPendingSignIn(context: AppLoadContext): Promise<string> {
  return pendingSignInCookie(context.services.auth).serialize("", { maxAge: 0 });
}

/** The request's pending sign-in, when it is sealed by this deployment, for this workspace, and not yet expired; else null. */
export async function readPendingSignIn(context: AppLoadContext, cookieHeader: string | null): Promise<PendingSignIn | null> {
  const sealed: unknown = await pendingSignInCookie(context.services.auth).parse(cookieHeader);
  if (typeof sealed !== "string" || sealed.length === 0 || sealed.length > 2000) return null;
  const pending = openPendingSignIn(context.services.auth.sessionSecret, sealed);
  if (!pending || pending.tenantId !== context.tenant.id || pending.expiresAt <= Date.now()) return null;
  return pending;
}

/** What a sealed pending sign-in holds, or null when this deployment did not seal it (or it was altered). */
export function openPendingSignIn(sessionSecret: string, sealed: string): PendingSignIn | null {
  try {
    return pendingSignInSchema.parse(JSON.parse(decryptSecret(pendingSignInKey(sessionSecret), sealed)));
  } catch {
    return null;
  }
}

/**
 * The second step of password sign-in: a code from the app or a recovery code (rate limited and
 * used up, see proveSecondFactor) opens the session exactly as a password alone does for others.
 * Null when the pending sign-in no longer holds: the member was deactivated, their password changed,
 * or two-factor was turned off since.
 */
export async function completePasswordSignIn(
  context: AppLoadContext,
  pending: PendingSignIn,
  { code, userAgent }: { code: string; userAgent: string | null },
): Promise<{ user: CurrentUser; token: string; method: SecondFactorMethod } | null> {
  const { db, t } = context.db;
  const [row] = await db
    .select({ ...memberColumns(t), active: t.users.active, passwordHash: t.users.passwordHash })
    .from(t.users)
    .innerJoin(t.memberTotp, and(eq(t.memberTotp.userId, t.users.id), isNotNull(t.memberTotp.confirmedAt)))
    .where(eq(t.users.id, pending.userId))
    .limit(1);
  if (!row?.active || !row.passwordHash || passwordStamp(row.passwordHash) !== pending.passwordStamp) return null;
  const method = await proveSecondFactor(context, row.id, code, {
    allowRecoveryCode: true,
    wrong: () => new AppError("invalid_credentials", "That code is not right. Enter the code your authenticator app shows now, or an unused recovery code."),
  });
  const signedIn = await signInSession(context, { id: row.id, email: row.email, name: row.name, role: row.role }, "password", userAgent);
  return { ...signedIn, method };
}
