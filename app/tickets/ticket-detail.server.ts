import { and, asc, eq, ne, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { AuthorType, TicketChannel, TicketPriority, StatusCategory } from "../../db/tenant-tables";
import { notFound } from "../app-error";
import type { TicketSlaView } from "../service-levels/sla-display";
import { ticketSlaColumns, withTicketSla } from "../service-levels/ticket-sla-view.server";
import { ticketPropertyColumns } from "./ticket-commands.server";

export type TicketDetail = {
  id: number;
  number: number;
  version: number;
  subject: string;
  /** The status key, and its category. */
  status: string;
  statusCategory: StatusCategory;
  priority: TicketPriority;
  channel: TicketChannel;
  tags: string[];
  assigneeId: number | null;
  customer: { id: number; name: string; email: string; company: string | null };
  firstResponseAt: Date | null;
  solvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Null for a ticket SLA tracking has not seen yet (from before it, and untouched since); its targets are null where no policy sets one. */
  sla: TicketSlaView | null;
};

export type TicketMessage = { id: number; authorType: AuthorType; authorName: string; internal: boolean; body: string; createdAt: Date };

export async function getTicket({ db, t }: TenantHandle, number: number): Promise<TicketDetail> {
  const [row] = await db
    .select({
      ...ticketPropertyColumns(t),
      channel: t.tickets.channel,
      customer: { id: t.customers.id, name: t.customers.name, email: t.customers.email, company: t.customers.company },
      firstResponseAt: t.tickets.firstResponseAt,
      solvedAt: t.tickets.solvedAt,
      createdAt: t.tickets.createdAt,
      updatedAt: t.tickets.updatedAt,
      ...ticketSlaColumns(t),
    })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .leftJoin(t.ticketSlas, eq(t.ticketSlas.ticketId, t.tickets.id))
    .where(eq(t.tickets.number, number));
  if (!row) throw notFound(`Ticket #${number}`);
  return withTicketSla(row);
}

/** The thread, oldest first. Pass `includeInternal: false` for anything a customer may see. */
export async function listTicketMessages(
  { db, t }: TenantHandle,
  ticketId: number,
  { includeInternal }: { includeInternal: boolean },
): Promise<TicketMessage[]> {
  const rows = await db
    .select({
      id: t.ticketMessages.id,
      authorType: t.ticketMessages.authorType,
      userName: t.users.name,
      customerName: t.customers.name,
      internal: t.ticketMessages.internal,
      body: t.ticketMessages.body,
      createdAt: t.ticketMessages.createdAt,
    })
    .from(t.ticketMessages)
    .leftJoin(t.users, eq(t.users.id, t.ticketMessages.authorUserId))
    .leftJoin(t.customers, eq(t.customers.id, t.ticketMessages.authorCustomerId))
    .where(and(eq(t.ticketMessages.ticketId, ticketId), includeInternal ? undefined : eq(t.ticketMessages.internal, false)))
    .orderBy(asc(t.ticketMessages.createdAt), asc(t.ticketMessages.id));
  return rows.map(({ userName, customerName, ...message }) => ({
    ...message,
    authorName:
      message.authorType === "agent" ? (userName ?? "A former member") : message.authorType === "customer" ? (customerName ?? "Customer") : "Conductor",
  }));
}

/** The customer's latest other tickets, for the customer card beside a ticket. */
export async function otherTicketsOfCustomer({ db, t }: TenantHandle, customerId: number, exceptTicketId: number, limit = 5) {
  return db
    .select({
      number: t.tickets.number,
      subject: t.tickets.subject,
      status: t.tickets.statusKey,
      statusCategory: t.tickets.statusCategory,
      updatedAt: t.tickets.updatedAt,
    })
    .from(t.tickets)
    .where(and(eq(t.tickets.customerId, customerId), ne(t.tickets.id, exceptTicketId)))
    .orderBy(sql`${t.tickets.updatedAt} desc nulls last`) // as tickets_customer_idx is ordered
    .limit(limit);
}

type Assignee = { id: number; name: string };

/**
 * Every ticket screen lists the assignees, so each process keeps the list for a second per workspace.
 * A member deactivated within that second may still be offered; assigning them is refused.
 */
const assigneesCache = new LRUCache<string, Assignee[]>({ max: 10_000, ttl: 1_000 });

/** Active members an agent can assign a ticket to. */
export async function listAssignees({ db, t, tenant }: TenantHandle): Promise<Assignee[]> {
  const cached = assigneesCache.get(tenant.schemaName);
  if (cached) return cached;
  const rows = await db.select({ id: t.users.id, name: t.users.name }).from(t.users).where(eq(t.users.active, true)).orderBy(asc(t.users.name));
  assigneesCache.set(tenant.schemaName, rows);
  return rows;
}
