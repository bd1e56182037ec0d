import { eq } from "drizzle-orm";
import type { TenantTables } from "../../db/tenant-tables";
import type { TenantTransaction } from "../../tenancy/connection-router";

/**
 * What an event says about a ticket: the fields of the API's ticket summary, read in the change's
 * transaction (so after the change). Timestamps are ISO strings, as in the API.
 */
export async function ticketEventData(tx: TenantTransaction, t: TenantTables, ticketId: number): Promise<Record<string, unknown>> {
  const [row] = await tx
    .select({
      number: t.tickets.number,
      subject: t.tickets.subject,
      status: t.tickets.statusKey,
      statusCategory: t.tickets.statusCategory,
      priority: t.tickets.priority,
      channel: t.tickets.channel,
      tags: t.tickets.tags,
      assigneeId: t.tickets.assigneeId,
      customer: { id: t.customers.id, name: t.customers.name, email: t.customers.email },
      createdAt: t.tickets.createdAt,
      updatedAt: t.tickets.updatedAt,
    })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .where(eq(t.tickets.id, ticketId));
  if (!row) return {};
  return { ticket: { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() } };
}

/** What customer.created says about the customer. */
export async function customerEventData(tx: TenantTransaction, t: TenantTables, customerId: number): Promise<Record<string, unknown>> {
  const [row] = await tx
    .select({ id: t.customers.id, name: t.customers.name, email: t.customers.email, company: t.customers.company, createdAt: t.customers.createdAt })
    .from(t.customers)
    .where(eq(t.customers.id, customerId));
  if (!row) return {};
  return { customer: { ...row, createdAt: row.createdAt.toISOString() } };
}
