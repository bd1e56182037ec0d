import { constantTimeEqual, hmac, randomToken } from "../auth/tokens.server";

/**
 * The "Submit a request" form carries one signed token: when the form was rendered (the timing
 * check: people take seconds to fill it in, bots do not) and a random key that makes the
 * submission idempotent (a double click, a browser retry or a resubmitted form finds the ticket
 * the first one created). Signed with the session secret and the tenant id, so it cannot be
 * forged, back-dated or carried to another workspace.
 */

export const MIN_FILL_SECONDS = 3;
export const MAX_FORM_AGE_HOURS = 24;

export type FormTokenCheck = { ok: true; idempotencyKey: string } | { ok: false; reason: "invalid" | "too_fast" | "expired" };

export function issueRequestFormToken(secret: string, tenantId: string, now = Date.now()): string {
  const renderedAt = String(now);
  const nonce = randomToken(18);
  return `${renderedAt}.${nonce}.${signature(secret, tenantId, renderedAt, nonce)}`;
}

export function checkRequestFormToken(secret: string, tenantId: string, token: unknown, now = Date.now()): FormTokenCheck {
  if (typeof token !== "string" || token.length > 200) return { ok: false, reason: "invalid" };
  const match = /^(\d{13})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: "invalid" };
  const [, renderedAt, nonce, sig] = match as unknown as [string, string, string, string];
  if (!constantTimeEqual(sig, signature(secret, tenantId, renderedAt, nonce))) return { ok: false, reason: "invalid" };
  const age = now - Number(renderedAt);
  if (age < MIN_FILL_SECONDS * 1000) return { ok: false, reason: "too_fast" };
  if (age > MAX_FORM_AGE_HOURS * 3600 * 1000) return { ok: false, reason: "expired" };
  // Namespaced: tickets.idempotency_key is shared with other channels.
  return { ok: true, idempotencyKey: `portal:${nonce}` };
}

const signature = (secret: string, tenantId: string, renderedAt: string, nonce: string) => hmac(secret, "portal-request-form", tenantId, renderedAt, nonce);
