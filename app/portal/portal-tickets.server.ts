import { and, asc, desc, eq } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { AuthorType, StatusCategory } from "../../db/tenant-tables";
import { AppError } from "../app-error";
import { addMessage } from "../tickets/ticket-commands.server";
import type { PortalCustomer } from "./customer-sessions.server";

/**
 * The portal's own queries. They select only what a customer may see, and every one is scoped
 * to the signed-in customer inside the SQL: no internal notes, no assignee, no other customer,
 * no activity, whatever a screen later forgets to filter.
 */

/** `statusLabel` is the status's customer label (never the agents' name for it); `statusCategory` colours it. */
export type PortalTicketSummary = { number: number; subject: string; statusLabel: string; statusCategory: StatusCategory; createdAt: Date; updatedAt: Date };
export type PortalAttachment = { id: number; filename: string; sizeBytes: number };
export type PortalMessage = { id: number; author: string; fromCustomer: boolean; body: string; createdAt: Date; attachments: PortalAttachment[] };
export type PortalTicket = PortalTicketSummary & { messages: PortalMessage[] };

/** Someone else's ticket, another workspace's, or none at all: the same plain 404. */
const requestNotFound = () => new AppError("not_found", "We could not find that request.");

/** What a customer sees of a ticket in a list; joined to ticket_statuses for the customer label only. */
function summaryColumns(t: TenantHandle["t"]) {
  return {
    number: t.tickets.number,
    subject: t.tickets.subject,
    statusLabel: t.ticketStatuses.customerLabel,
    statusCategory: t.tickets.statusCategory,
    createdAt: t.tickets.createdAt,
    updatedAt: t.tickets.updatedAt,
  };
}

export async function listCustomerTickets({ db, t }: TenantHandle, customerId: number, limit = 100): Promise<PortalTicketSummary[]> {
  return db
    .select(summaryColumns(t))
    .from(t.tickets)
    .innerJoin(t.ticketStatuses, eq(t.ticketStatuses.key, t.tickets.statusKey))
    .where(eq(t.tickets.customerId, customerId))
    .orderBy(desc(t.tickets.updatedAt), desc(t.tickets.id))
    .limit(limit);
}

export async function getCustomerTicket({ db, t }: TenantHandle, customerId: number, number: number): Promise<PortalTicket> {
  const [ticket] = await db
    .select({ id: t.tickets.id, ...summaryColumns(t) })
    .from(t.tickets)
    .innerJoin(t.ticketStatuses, eq(t.ticketStatuses.key, t.tickets.statusKey))
    .where(and(eq(t.tickets.number, number), eq(t.tickets.customerId, customerId)));
  if (!ticket) throw requestNotFound();
  const rows = await db
    .select({
      id: t.ticketMessages.id,
      authorType: t.ticketMessages.authorType,
      agentName: t.users.name,
      body: t.ticketMessages.body,
      createdAt: t.ticketMessages.createdAt,
    })
    .from(t.ticketMessages)
    .leftJoin(t.users, eq(t.users.id, t.ticketMessages.authorUserId))
    .where(and(eq(t.ticketMessages.ticketId, ticket.id), eq(t.ticketMessages.internal, false)))
    .orderBy(asc(t.ticketMessages.createdAt), asc(t.ticketMessages.id));
  // Files of public messages only, like the messages themselves.
  const files = await db
    .select({
      messageId: t.messageAttachments.ticketMessageId,
      id: t.messageAttachments.id,
      filename: t.messageAttachments.filename,
      sizeBytes: t.messageAttachments.sizeBytes,
    })
    .from(t.messageAttachments)
    .innerJoin(t.ticketMessages, eq(t.ticketMessages.id, t.messageAttachments.ticketMessageId))
    .where(and(eq(t.ticketMessages.ticketId, ticket.id), eq(t.ticketMessages.internal, false)))
    .orderBy(asc(t.messageAttachments.id));
  const { id: _id, ...summary } = ticket;
  return {
    ...summary,
    messages: rows.map((row) => ({
      id: row.id,
      author: authorLabel(row.authorType, row.agentName),
      fromCustomer: row.authorType === "customer",
      body: row.body,
      createdAt: row.createdAt,
      attachments: files.filter((file) => file.messageId === row.id).map(({ messageId: _message, ...file }) => file),
    })),
  };
}

function authorLabel(type: AuthorType, agentName: string | null): string {
  if (type === "customer") return "You";
  if (type === "agent") return agentName ?? "Support team";
  return "Support team";
}

/**
 * A customer's reply, to their own ticket only (another's is the same 404). addMessage reopens a
 * solved ticket and queues the notice to the assigned agent in the reply's transaction.
 */
export async function replyAsCustomer(handle: TenantHandle, origin: string, customer: PortalCustomer, number: number, body: string): Promise<void> {
  const { db, t } = handle;
  const [own] = await db
    .select({ id: t.tickets.id })
    .from(t.tickets)
    .where(and(eq(t.tickets.number, number), eq(t.tickets.customerId, customer.id)));
  if (!own) throw requestNotFound();
  // addMessage checks the owner again, under the ticket's row lock.
  await addMessage(handle, { type: "customer", customerId: customer.id }, number, { body }, { origin });
}
