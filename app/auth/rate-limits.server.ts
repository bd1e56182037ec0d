import type pg from "pg";
import { AppError } from "../app-error";
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract, type RateLimiterRes } from "rate-limiter-flexible";

export type RateLimitSettings = {
  loginMaxFailuresPerEmail: number;
  loginMaxFailuresPerIp: number;
  loginWindowMinutes: number;
  loginMaxFailuresPerAccount: number;
  loginAccountWindowMinutes: number;
  globalPerMinute: number;
};

/**
 * Sign-in limits count attempts: one point is taken before the password is checked, and given
 * back when it was right, so they hold failures. Keys carry the tenant's id and, for addresses,
 * the client key (an IPv6 client's /64, see clientKey).
 */
export type RateLimits = {
  loginFailuresByIp: RateLimiterAbstract;
  loginFailuresByEmailAndIp: RateLimiterAbstract;
  /** Per account (the email), from every address together. */
  loginFailuresByAccount: RateLimiterAbstract;
  /** One point per account lock window: the owner is told once that the limit tripped. */
  accountLockNotices: RateLimiterAbstract;
  /** Password reset requests, per address asked for (known or not) and per client key: each request takes a point. */
  passwordResetsByEmail: RateLimiterAbstract;
  passwordResetsByIp: RateLimiterAbstract;
  /**
   * Second-factor codes (sign-in, and the profile actions that ask for one), counted like passwords: a
   * point per attempt, given back when the code was right. Per member (the password is already known
   * to whoever is guessing) and per client key.
   */
  twoFactorFailuresByAccount: RateLimiterAbstract;
  twoFactorFailuresByIp: RateLimiterAbstract;
  /** Every request, per client key; in memory, per process. */
  global: RateLimiterAbstract;
};

/** A limit kept in `control.rate_limits` (created by a control-plane migration), shared by every server process. */
export function postgresRateLimiter(controlPool: pg.Pool, keyPrefix: string, { points, minutes }: { points: number; minutes: number }): RateLimiterAbstract {
  return new RateLimiterPostgres({
    storeClient: controlPool,
    schemaName: "control",
    tableName: "rate_limits",
    tableCreated: true,
    keyPrefix,
    points,
    duration: minutes * 60,
  });
}

/** A member needs one link, perhaps a second; a client asking for many addresses is probing or flooding inboxes. */
export const PASSWORD_RESET_LIMITS = { perEmail: 3, perIp: 10, windowMinutes: 30 };

/** Sign-in limits live in Postgres (`control.rate_limits`) so they hold across every server process. */
export function createRateLimits(controlPool: pg.Pool, settings: RateLimitSettings): RateLimits {
  const postgres = (keyPrefix: string, points: number, minutes: number) => postgresRateLimiter(controlPool, keyPrefix, { points, minutes });
  return {
    loginFailuresByIp: postgres("login_ip", settings.loginMaxFailuresPerIp, settings.loginWindowMinutes),
    loginFailuresByEmailAndIp: postgres("login_email_ip", settings.loginMaxFailuresPerEmail, settings.loginWindowMinutes),
    loginFailuresByAccount: postgres("login_account", settings.loginMaxFailuresPerAccount, settings.loginAccountWindowMinutes),
    accountLockNotices: postgres("login_account_notice", 1, settings.loginAccountWindowMinutes),
    passwordResetsByEmail: postgres("password_reset_email", PASSWORD_RESET_LIMITS.perEmail, PASSWORD_RESET_LIMITS.windowMinutes),
    passwordResetsByIp: postgres("password_reset_ip", PASSWORD_RESET_LIMITS.perIp, PASSWORD_RESET_LIMITS.windowMinutes),
    twoFactorFailuresByAccount: postgres("two_factor_account", settings.loginMaxFailuresPerEmail, settings.loginWindowMinutes),
    twoFactorFailuresByIp: postgres("two_factor_ip", settings.loginMaxFailuresPerIp, settings.loginWindowMinutes),
    global: new RateLimiterMemory({ keyPrefix: "global", points: settings.globalPerMinute, duration: 60 }),
  };
}

export type LimitCheck = [limiter: RateLimiterAbstract, key: string];

/** Words a refusal: gets "Try again in 5 minutes." */
export type DescribeRefusal = (tryAgain: string) => string;

const tooManyAttempts: DescribeRefusal = (tryAgain) => `Too many attempts. ${tryAgain}`;

/**
 * The refusal of a limit: an AppError `rate_limited` with `retryAfterSeconds`, and `refusedBy`, the
 * limiter that refused and how many points its key had taken with this attempt.
 */
function refusal(describe: DescribeRefusal, retryAfterSeconds: number, refusedBy: { limiter: string; consumedPoints: number }): AppError {
  return new AppError("rate_limited", describe(`Try again in ${formatWait(retryAfterSeconds)}.`), { retryAfterSeconds, refusedBy });
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

const waitSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Takes one point from each key in turn, each an atomic increment in the store, BEFORE the attempt
 * is checked: however many attempts run at once, no more than the limit get through. Stops at the
 * first key that is used up (throwing `rate_limited`), so a refused attempt costs the keys after
 * it nothing: a client blocked by its address cannot run down an account's limit.
 * Returns each key's state after the take, in order.
 */
export async function takeAttempt(checks: LimitCheck[], describe: DescribeRefusal = tooManyAttempts): Promise<RateLimiterRes[]> {
  const taken: RateLimiterRes[] = [];
  for (const [limiter, key] of checks) {
    try {
      taken.push(await limiter.consume(key));
    } catch (rejection) {
      // The limiter rejects with a RateLimiterRes when a key is used up, with an Error when its store fails.
      if (rejection instanceof Error) throw rejection;
      const state = rejection as RateLimiterRes;
      throw refusal(describe, waitSeconds(state.msBeforeNext), { limiter: limiter.keyPrefix, consumedPoints: state.consumedPoints });
    }
  }
  return taken;
}

/** Gives back the point takeAttempt took from each key, for an attempt that succeeded. */
export async function refundAttempt(checks: LimitCheck[]): Promise<void> {
  await Promise.all(checks.map(([limiter, key]) => limiter.reward(key, 1)));
}
