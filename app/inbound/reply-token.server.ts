import { createHmac } from "node:crypto";
import { constantTimeEqual } from "../auth/tokens.server";

/**
 * The token in a reply address (`<slug>+<ticketId>-<mac>@<inbound domain>`): it names the ticket and
 * proves we wrote it, so a reply threads only where we sent it. Bound to the tenant's id, so one
 * workspace's address cannot be replayed against another.
 */
export function replyToken(sessionSecret: string, tenantId: string, ticketId: number): string {
  // Lower-case hex, since mail systems may change the case of a local part; 128 bits keep the
  // address within the 64 characters a local part may have.
  const mac = createHmac("sha256", sessionSecret)
    .update(["inbound-reply-token", tenantId, String(ticketId)].join("\u0000"))
    .digest("hex")
    .slice(0, 32);
  return `${ticketId}-${mac}`;
}

/** The ticket id a token names, when its MAC verifies in full; otherwise null. */
export function verifyReplyToken(sessionSecret: string, tenantId: string, token: string): number | null {
  const normalized = token.toLowerCase();
  const match = /^([1-9][0-9]{0,15})-([0-9a-f]{32})$/.exec(normalized);
  if (!match) return null;
  const ticketId = Number(match[1]);
  if (!Number.isSafeInteger(ticketId)) return null;
  return constantTimeEqual(replyToken(sessionSecret, tenantId, ticketId), normalized) ? ticketId : null;
}

export function replyAddress(sessionSecret: string, tenant: { id: string; slug: string }, ticketId: number, inboundDomain: string): string {
  return `${tenant.slug}+${replyToken(sessionSecret, tenant.id, ticketId)}@${inboundDomain}`;
}

/** The ticket a recipient address `<slug>+<token>@…` names for this tenant, or null. */
export function ticketFromReplyAddress(sessionSecret: string, tenant: { id: string; slug: string }, address: string): number | null {
  const at = address.lastIndexOf("@");
  if (at <= 0) return null;
  const local = address.slice(0, at);
  const plus = local.indexOf("+");
  if (plus <= 0 || local.slice(0, plus).toLowerCase() !== tenant.slug.toLowerCase()) return null;
  return verifyReplyToken(sessionSecret, tenant.id, local.slice(plus + 1));
}
