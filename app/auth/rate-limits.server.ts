import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract, type RateLimiterRes } from "rate-limiter-flexible";

export type RateLimitSettings = {
  loginMaxFailuresPerEmail: number;
  loginMaxFailuresPerIp: number;
  loginWindowMinutes: number;
  globalPerMinute: number;
};

export type RateLimits = {
  loginFailuresByIp: RateLimiterAbstract;
  loginFailuresByEmailAndIp: RateLimiterAbstract;
  /** Every request, per client IP; in memory, per process. */
  global: RateLimiterAbstract;
};

/** Sign-in limits live in Postgres (`control.rate_limits`) so they hold across every server process. */
export function createRateLimits(controlPool: pg.Pool, settings: RateLimitSettings): RateLimits {
  const postgres = (keyPrefix: string, points: number) =>
    new RateLimiterPostgres({
      storeClient: controlPool,
      schemaName: "control",
      tableName: "rate_limits",
      tableCreated: true,
      keyPrefix,
      points,
      duration: settings.loginWindowMinutes * 60,
    });
  return {
    loginFailuresByIp: postgres("login_ip", settings.loginMaxFailuresPerIp),
    loginFailuresByEmailAndIp: postgres("login_email_ip", settings.loginMaxFailuresPerEmail),
    global: new RateLimiterMemory({ keyPrefix: "global", points: settings.globalPerMinute, duration: 60 }),
  };
}

export class RateLimitedError extends Error {
  constructor(public readonly retryAfterSeconds: number) {
    super(`Too many attempts. Try again in ${formatWait(retryAfterSeconds)}.`);
  }
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Throws RateLimitedError when any of the keys has used up its failures (read only: consumes nothing). */
export async function assertNotLimited(checks: Array<[RateLimiterAbstract, string]>): Promise<void> {
  for (const [limiter, key] of checks) {
    const state: RateLimiterRes | null = await limiter.get(key);
    if (state && state.consumedPoints >= limiter.points) {
      throw new RateLimitedError(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
    }
  }
}

/** Counts one failure against every key; never throws for being over the limit. */
export async function recordFailure(checks: Array<[RateLimiterAbstract, string]>): Promise<void> {
  await Promise.all(checks.map(([limiter, key]) => limiter.penalty(key, 1)));
}
