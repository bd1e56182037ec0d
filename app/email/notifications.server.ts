import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { queueEmail } from "./outbox.server";
import { renderEmail } from "./render-email.server";

/**
 * The emails Conductor sends, each queued in the caller's transaction. `origin` is the workspace's
 * own address (e.g. https://acme.example.com) for links; it also names the Message-ID domain.
 */
type Queue = { tx: TenantTransaction; handle: Pick<TenantHandle, "t" | "tenant">; origin: string };
/** What a domain command takes to queue the emails it causes (see addMessage, createInvite). */
export type MailContext = Pick<Queue, "origin">;
type Person = { name: string | null; email: string };

const domainOf = (origin: string) => new URL(origin).hostname;

export async function queueTicketConfirmation(
  { tx, handle, origin }: Queue,
  input: { customer: Person; ticket: { id: number; number: number; subject: string } },
) {
  const link = `${origin}/portal/tickets/${input.ticket.number}`;
  const rendered = renderEmail({
    workspace: handle.tenant.name,
    greeting: `Hello ${input.customer.name ?? "there"},`,
    paragraphs: [
      `We received your request "${input.ticket.subject}" and filed it as #${input.ticket.number}. Our team will answer by email; you can also follow it in the portal.`,
    ],
    action: { label: "View your request", href: link },
  });
  return queueEmail(
    tx,
    handle,
    {
      kind: "ticket_confirmation",
      to: { address: input.customer.email, name: input.customer.name },
      subject: `[#${input.ticket.number}] We received your request: ${input.ticket.subject}`,
      ...rendered,
      ticketId: input.ticket.id,
    },
    domainOf(origin),
  );
}

export async function queueLoginCode({ tx, handle, origin }: Queue, input: { customer: Person; code: string; link: string; expiresInMinutes: number }) {
  const rendered = renderEmail({
    workspace: handle.tenant.name,
    greeting: `Hello ${input.customer.name ?? "there"},`,
    paragraphs: [
      `Your sign-in code for the ${handle.tenant.name} support portal is ${input.code}. It works once, for ${input.expiresInMinutes} minutes.`,
      "If you did not ask for it, ignore this email.",
    ],
    action: { label: "Sign in", href: input.link },
  });
  return queueEmail(
    tx,
    handle,
    { kind: "login_code", to: { address: input.customer.email, name: input.customer.name }, subject: `Your sign-in code: ${input.code}`, ...rendered },
    domainOf(origin),
  );
}

export async function queueAgentReply(
  { tx, handle, origin }: Queue,
  input: { customer: Person; agentName: string; body: string; ticket: { id: number; number: number; subject: string }; messageId: number },
) {
  const rendered = renderEmail({
    workspace: handle.tenant.name,
    greeting: `${input.agentName} replied to your request #${input.ticket.number}:`,
    quote: input.body,
    action: { label: "View the conversation", href: `${origin}/portal/tickets/${input.ticket.number}` },
  });
  return queueEmail(
    tx,
    handle,
    {
      kind: "agent_reply",
      to: { address: input.customer.email, name: input.customer.name },
      subject: `Re: [#${input.ticket.number}] ${input.ticket.subject}`,
      ...rendered,
      ticketId: input.ticket.id,
      ticketMessageId: input.messageId,
    },
    domainOf(origin),
  );
}

export async function queueCustomerReplyNotice(
  { tx, handle, origin }: Queue,
  input: { agent: Person; customerName: string; body: string; ticket: { id: number; number: number; subject: string }; messageId: number },
) {
  const rendered = renderEmail({
    workspace: handle.tenant.name,
    greeting: `${input.customerName} replied to #${input.ticket.number} "${input.ticket.subject}":`,
    quote: input.body,
    action: { label: "Open the ticket", href: `${origin}/tickets/${input.ticket.number}` },
  });
  // Agents' notices do not join the customer's thread: they are for the agent's own inbox.
  return queueEmail(
    tx,
    handle,
    {
      kind: "customer_reply_notice",
      to: { address: input.agent.email, name: input.agent.name },
      subject: `[#${input.ticket.number}] ${input.customerName} replied: ${input.ticket.subject}`,
      ...rendered,
      ticketMessageId: input.messageId,
    },
    domainOf(origin),
  );
}

export async function queueTeamInvite({ tx, handle, origin }: Queue, input: { email: string; inviterName: string; link: string; expiresInHours: number }) {
  const rendered = renderEmail({
    workspace: handle.tenant.name,
    greeting: "Hello,",
    paragraphs: [
      `${input.inviterName} invited you to join ${handle.tenant.name} on Conductor. The link works once and expires in ${input.expiresInHours} hours.`,
    ],
    action: { label: "Accept the invite", href: input.link },
  });
  return queueEmail(
    tx,
    handle,
    { kind: "team_invite", to: { address: input.email }, subject: `You are invited to ${handle.tenant.name} on Conductor`, ...rendered },
    domainOf(origin),
  );
}
