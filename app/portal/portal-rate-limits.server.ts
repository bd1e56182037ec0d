import type pg from "pg";
import { RateLimiterPostgres, type RateLimiterAbstract, type RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitedError } from "../auth/rate-limits.server";
import type { AppServices } from "../load-context";

/** The portal's limits, per tenant: every key starts with the tenant's id. Stored in Postgres like the agents' sign-in limits. */
export type PortalRateLimits = {
  /** Requests submitted, per client IP. */
  requestsByIp: RateLimiterAbstract;
  /** Sign-in codes asked for, per client IP and per email address (counted alike whether or not the email is known). */
  codeRequestsByIp: RateLimiterAbstract;
  codeRequestsByEmail: RateLimiterAbstract;
  /** Wrong codes and links, per client IP. */
  codeFailuresByIp: RateLimiterAbstract;
  /** Wrong codes per email address over a day: a new code must not reset an attacker's guesses. */
  codeFailuresByEmail: RateLimiterAbstract;
};

export const PORTAL_LIMITS = {
  requestsPerIp: { points: 10, minutes: 10 },
  codeRequestsPerIp: { points: 20, minutes: 15 },
  codeRequestsPerEmail: { points: 5, minutes: 15 },
  codeFailuresPerIp: { points: 30, minutes: 15 },
  codeFailuresPerEmail: { points: 20, minutes: 24 * 60 },
} as const;

export function createPortalRateLimits(controlPool: pg.Pool): PortalRateLimits {
  const postgres = (keyPrefix: string, { points, minutes }: { points: number; minutes: number }) =>
    new RateLimiterPostgres({ storeClient: controlPool, schemaName: "control", tableName: "rate_limits", tableCreated: true, keyPrefix, points, duration: minutes * 60 });
  return {
    requestsByIp: postgres("portal_request_ip", PORTAL_LIMITS.requestsPerIp),
    codeRequestsByIp: postgres("portal_code_ip", PORTAL_LIMITS.codeRequestsPerIp),
    codeRequestsByEmail: postgres("portal_code_email", PORTAL_LIMITS.codeRequestsPerEmail),
    codeFailuresByIp: postgres("portal_code_fail_ip", PORTAL_LIMITS.codeFailuresPerIp),
    codeFailuresByEmail: postgres("portal_code_fail_email", PORTAL_LIMITS.codeFailuresPerEmail),
  };
}

export const portalRateLimits = (services: AppServices): PortalRateLimits => services.portalRateLimits;

/** Consumes one point from every key; throws RateLimitedError (with the longest wait) when any is used up. */
export async function consumeOrRefuse(checks: Array<[RateLimiterAbstract, string]>): Promise<void> {
  const results = await Promise.allSettled(checks.map(([limiter, key]) => limiter.consume(key)));
  let waitMs = 0;
  for (const result of results) {
    if (result.status === "fulfilled") continue;
    // The limiter rejects with a RateLimiterRes when a key is used up, with an Error when its store fails.
    if (result.reason instanceof Error) throw result.reason;
    waitMs = Math.max(waitMs, (result.reason as RateLimiterRes).msBeforeNext);
  }
  if (waitMs > 0) throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
}
