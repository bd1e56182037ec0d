import { and, eq } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { Actor } from "../activity/actor";
import { queueAgentReply, queueCustomerReplyNotice, type MailContext } from "./notifications.server";

type NewTicketMessage = {
  actor: Actor;
  ticket: { id: number; number: number; subject: string; customerId: number; assigneeId: number | null };
  message: { id: number; body: string; internal: boolean };
};

/**
 * The emails a new ticket message causes, queued in the message's transaction: an agent's public
 * reply goes to the ticket's customer; a customer's reply notifies the assigned agent, if any.
 */
export async function queueTicketMessageEmails(
  tx: TenantTransaction,
  handle: Pick<TenantHandle, "t" | "tenant">,
  { origin }: MailContext,
  { actor, ticket, message }: NewTicketMessage,
): Promise<void> {
  const { t } = handle;
  const queue = { tx, handle, origin };
  const about = { ticket: { id: ticket.id, number: ticket.number, subject: ticket.subject }, body: message.body, messageId: message.id };
  if (actor.type === "agent" && !message.internal) {
    const [customer] = await tx.select({ name: t.customers.name, email: t.customers.email }).from(t.customers).where(eq(t.customers.id, ticket.customerId));
    const [agent] = await tx.select({ name: t.users.name }).from(t.users).where(eq(t.users.id, actor.userId));
    if (customer) await queueAgentReply(queue, { ...about, customer, agentName: agent?.name ?? handle.tenant.name });
  } else if (actor.type === "customer" && ticket.assigneeId !== null) {
    const [assignee] = await tx
      .select({ name: t.users.name, email: t.users.email })
      .from(t.users)
      .where(and(eq(t.users.id, ticket.assigneeId), eq(t.users.active, true)));
    const [customer] = await tx.select({ name: t.customers.name }).from(t.customers).where(eq(t.customers.id, actor.customerId));
    if (assignee) await queueCustomerReplyNotice(queue, { ...about, agent: assignee, customerName: customer?.name ?? "A customer" });
  }
}
