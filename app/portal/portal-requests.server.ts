import { eq, sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import { AppError } from "../app-error";
import { constantTimeEqual, hmac } from "../auth/tokens.server";
import { findOrCreateCustomer } from "../customers/customers.server";
import { queueTicketConfirmation } from "../email/notifications.server";
import { createTicket } from "../tickets/ticket-commands.server";
import { forgetTicketCounters } from "../tickets/ticket-counters.server";
import { isUniqueViolation } from "../db-errors.server";
import { joinTransaction } from "../../tenancy/join-transaction";
import type { PortalRequestInput } from "./portal-schemas";

export type SubmittedRequest = { number: number; created: boolean };

/** The same form key sent with someone else's email: not a retry, and not a way to learn their ticket. */
const keyReused = () => new AppError("form_reused", "This form was already sent. Reload the page to send another request.", { freshFormToken: true });

/**
 * Files a portal request: the customer (found by email, case-insensitively, or created), the
 * ticket (channel `portal`) with its first message, counters and activity, the form's
 * idempotency key and the confirmation email, all in one transaction. A form whose key already
 * made a ticket gets that ticket back, also when the copies arrive at the same moment: they queue
 * on a transaction-scoped advisory lock for the key, and the unique index backs it up.
 */
export async function submitPortalRequest(
  handle: TenantHandle,
  origin: string,
  input: PortalRequestInput & { idempotencyKey: string },
): Promise<SubmittedRequest> {
  const { t } = handle;
  try {
    return await handle.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${handle.tenant.schemaName}:${input.idempotencyKey}`}, 0))`);
      const existing = await findByKey(tx, t, input.idempotencyKey);
      if (existing) return retried(existing, input.email);
      const customer = await findOrCreateCustomer(tx, handle, { type: "system" }, { name: input.name, email: input.email });
      const ticket = await createTicket(
        joinTransaction(handle, tx),
        { type: "customer", customerId: customer.id },
        { customer: { id: customer.id }, subject: input.subject, message: input.message, channel: "portal", category: input.category ?? null },
        { origin },
      );
      await tx.update(t.tickets).set({ idempotencyKey: input.idempotencyKey }).where(eq(t.tickets.id, ticket.id));
      await queueTicketConfirmation(
        { tx, handle, origin },
        { customer: { name: input.name, email: input.email }, ticket: { id: ticket.id, number: ticket.number, subject: input.subject } },
      );
      return { number: ticket.number, created: true };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await findByKey(handle.db, t, input.idempotencyKey);
    if (!existing) throw error;
    return retried(existing, input.email);
  } finally {
    // createTicket drops the cached counters when its (here: joined) transaction returns; ours commits later.
    forgetTicketCounters(handle.tenant.schemaName);
  }
}

/** The request a form key already filed, when the same email sends it again; null when the key is new. */
export async function findSubmittedRequest({ db, t }: TenantHandle, idempotencyKey: string, email: string): Promise<SubmittedRequest | null> {
  const existing = await findByKey(db, t, idempotencyKey);
  return existing ? retried(existing, email) : null;
}

type Reader = Pick<TenantHandle["db"], "select">;

async function findByKey(db: Reader, t: TenantHandle["t"], idempotencyKey: string) {
  const [row] = await db
    .select({ number: t.tickets.number, email: t.customers.email })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .where(eq(t.tickets.idempotencyKey, idempotencyKey));
  return row ?? null;
}

function retried(existing: { number: number; email: string }, email: string): SubmittedRequest {
  if (existing.email.toLowerCase() !== email.toLowerCase()) throw keyReused();
  return { number: existing.number, created: false };
}

/**
 * The confirmation page's address carries the ticket number and a receipt, an HMAC only the
 * server can make: it shows the confirmation to whoever submitted, and nothing to someone who
 * guesses numbers.
 */
export function requestReceipt(secret: string, tenantId: string, number: number): string {
  return hmac(secret, "portal-request-receipt", tenantId, String(number));
}

export function receiptMatches(secret: string, tenantId: string, number: number, receipt: string): boolean {
  return constantTimeEqual(requestReceipt(secret, tenantId, number), receipt);
}

/** What the confirmation page shows: the number, the subject and where the email went (masked). */
export async function getRequestConfirmation({ db, t }: TenantHandle, number: number): Promise<{ number: number; subject: string; emailHint: string } | null> {
  const [row] = await db
    .select({ number: t.tickets.number, subject: t.tickets.subject, email: t.customers.email })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .where(eq(t.tickets.number, number));
  return row ? { number: row.number, subject: row.subject, emailHint: maskEmail(row.email) } : null;
}

/** j•••@example.com: enough for the sender to recognise, not a way to read someone's address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "your email address";
  return `${email[0]}•••${email.slice(at)}`;
}
