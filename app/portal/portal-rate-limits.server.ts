import type { AppLoadContext } from "@remix-run/node";
import type pg from "pg";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { postgresRateLimiter, refundAttempt, takeAttempt, type DescribeRefusal, type LimitCheck } from "../auth/rate-limits.server";

/**
 * The portal's limits, per tenant: every key starts with the tenant's id, and addresses are client
 * keys (an IPv6 client's /64). Stored in Postgres like the agents' sign-in limits.
 */
export type PortalRateLimits = {
  /** Requests submitted, per client IP. */
  requestsByIp: RateLimiterAbstract;
  /** Sign-in codes asked for, per client IP and per email address (counted alike whether or not the email is known). */
  codeRequestsByIp: RateLimiterAbstract;
  codeRequestsByEmail: RateLimiterAbstract;
  /** Code checks, per client address (right codes are given back, so: wrong codes). */
  codeFailuresByIp: RateLimiterAbstract;
  /** Code checks per email address over a day, right ones given back: a new code must not reset an attacker's guesses. */
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
  const postgres = (keyPrefix: string, limit: { points: number; minutes: number }) => postgresRateLimiter(controlPool, keyPrefix, limit);
  return {
    requestsByIp: postgres("portal_request_ip", PORTAL_LIMITS.requestsPerIp),
    codeRequestsByIp: postgres("portal_code_ip", PORTAL_LIMITS.codeRequestsPerIp),
    codeRequestsByEmail: postgres("portal_code_email", PORTAL_LIMITS.codeRequestsPerEmail),
    codeFailuresByIp: postgres("portal_code_fail_ip", PORTAL_LIMITS.codeFailuresPerIp),
    codeFailuresByEmail: postgres("portal_code_fail_email", PORTAL_LIMITS.codeFailuresPerEmail),
  };
}

export const portalRateLimits = (services: { portalRateLimits: PortalRateLimits }): PortalRateLimits => services.portalRateLimits;

/** Consumes one point from every key, atomically per key; throws `rate_limited` when any is used up. */
export async function consumeOrRefuse(checks: LimitCheck[], describe?: DescribeRefusal): Promise<void> {
  await takeAttempt(checks, describe);
}

const addressKey = (context: AppLoadContext) => `${context.tenant.id}:${context.clientKey}`;
const emailKey = (context: AppLoadContext, email: string) => `${context.tenant.id}:${email.trim().toLowerCase()}`;

/** Counts a request for a sign-in code from the client's address and for the email, known or not; throws `rate_limited` past either limit. */
export async function takeCodeRequest(context: AppLoadContext, email: string): Promise<void> {
  const limits = context.services.portalRateLimits;
  await takeAttempt(
    [
      [limits.codeRequestsByIp, addressKey(context)],
      [limits.codeRequestsByEmail, emailKey(context, email)],
    ],
    (tryAgain) => `Too many sign-in codes were asked for. ${tryAgain}`,
  );
}

/**
 * Counts a code check against the client's address and the email BEFORE the code is compared, so
 * parallel guesses cannot outrun the limits; throws `rate_limited` past either. `refund` gives
 * the point back when the code was right: the limits hold wrong codes.
 */
export async function takeCodeCheck(context: AppLoadContext, email: string): Promise<{ refund(): Promise<void> }> {
  const limits = context.services.portalRateLimits;
  const checks: LimitCheck[] = [
    [limits.codeFailuresByIp, addressKey(context)],
    [limits.codeFailuresByEmail, emailKey(context, email)],
  ];
  await takeAttempt(checks);
  return { refund: () => refundAttempt(checks) };
}
