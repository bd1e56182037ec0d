import { and, eq } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { describeSlaAlert, type SlaAlert } from "../service-levels/sla-alerts";
import { queueEmail } from "./outbox.server";
import { renderEmail } from "./render-email.server";

type Queue = { tx: TenantTransaction; handle: Pick<TenantHandle, "t" | "tenant">; origin: string };

/** Tells the ticket's assignee (or, when nobody is assigned, every admin) about SLA warnings and breaches, in the caller's transaction. */
export async function queueSlaAlertEmail({ tx, handle, origin }: Queue, ticketId: number, alerts: readonly SlaAlert[], now: Date): Promise<void> {
  const { t } = handle;
  const [ticket] = await tx
    .select({ number: t.tickets.number, subject: t.tickets.subject, assigneeId: t.tickets.assigneeId })
    .from(t.tickets)
    .where(eq(t.tickets.id, ticketId));
  if (!ticket) return;
  const people = (assigned: boolean) =>
    tx
      .select({ name: t.users.name, email: t.users.email })
      .from(t.users)
      .where(and(eq(t.users.active, true), assigned ? eq(t.users.id, ticket.assigneeId!) : eq(t.users.role, "admin")));
  // An assignee who has since been deactivated reads no email: the admins hear instead.
  const assignee = ticket.assigneeId === null ? [] : await people(true);
  const recipients = assignee.length > 0 ? assignee : await people(false);
  const breached = alerts.some((alert) => alert.kind === "breach");
  const lines = alerts.map((alert) => `${describeSlaAlert(alert, now)}.`);
  for (const recipient of recipients) {
    const rendered = renderEmail({
      workspace: handle.tenant.name,
      greeting: `Hello ${recipient.name ?? "there"},`,
      paragraphs: [
        assignee.length === 0
          ? `Ticket #${ticket.number} "${ticket.subject}" has no active assignee:`
          : `Ticket #${ticket.number} "${ticket.subject}", assigned to you:`,
        ...lines,
      ],
      action: { label: "Open the ticket", href: `${origin}/tickets/${ticket.number}` },
    });
    await queueEmail(
      tx,
      handle,
      {
        kind: breached ? "sla_breach_notice" : "sla_warning_notice",
        to: { address: recipient.email, name: recipient.name },
        subject: `[#${ticket.number}] ${breached ? "SLA breached" : "SLA due soon"}: ${ticket.subject}`,
        // An agent's notice stays out of the customer's thread (no ticketId): it is for the agent's own inbox.
        ...rendered,
      },
      new URL(origin).hostname,
    );
  }
}
