import { randomUUID } from "node:crypto";
import { desc, eq, sql } from "drizzle-orm";
import * as z from "zod";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { singleLine } from "./header-text.server";

/** The job that sends one outbox row; its payload names the tenant and the row. */
export const SEND_EMAIL_TASK = "send_email";
export type SendEmailPayload = { tenantId: string; emailId: number };

export type OutboundEmail = {
  kind: "ticket_confirmation" | "login_code" | "agent_reply" | "customer_reply_notice" | "team_invite";
  to: { address: string; name?: string | null };
  subject: string;
  text: string;
  html: string;
  /** Emails about one ticket form one thread: In-Reply-To/References point at the ticket's earlier emails. */
  ticketId?: number | null;
  ticketMessageId?: number | null;
};

const recipientAddress = z.email();

/**
 * Writes a rendered email to the tenant's outbox and enqueues its sending job, both inside `tx`:
 * the email exists if and only if the change that caused it committed. The subject and the
 * recipient's name are stored as single lines, so they cannot carry a header of their own.
 */
export async function queueEmail(tx: TenantTransaction, handle: Pick<TenantHandle, "t" | "tenant">, email: OutboundEmail, messageIdDomain: string): Promise<{ id: number; messageId: string }> {
  const { t, tenant } = handle;
  // One plain address: never a list, a group or anything with a line break in it.
  const toAddress = recipientAddress.parse(email.to.address.trim());
  const thread = email.ticketId
    ? await tx
        .select({ messageId: t.outboundEmails.messageId, references: t.outboundEmails.references })
        .from(t.outboundEmails)
        .where(eq(t.outboundEmails.ticketId, email.ticketId))
        .orderBy(desc(t.outboundEmails.id))
        .limit(1)
    : [];
  const previous = thread[0];
  const messageId = `<${randomUUID()}@${messageIdDomain}>`;
  const [row] = await tx
    .insert(t.outboundEmails)
    .values({
      kind: email.kind,
      toAddress,
      toName: email.to.name ? singleLine(email.to.name) || null : null,
      subject: singleLine(email.subject),
      textBody: email.text,
      htmlBody: email.html,
      messageId,
      inReplyTo: previous?.messageId ?? null,
      // References keeps the thread's root and the latest messages, as RFC 5322 suggests for long threads.
      references: previous ? [...previous.references, previous.messageId].slice(-20) : [],
      ticketId: email.ticketId ?? null,
      ticketMessageId: email.ticketMessageId ?? null,
    })
    .returning({ id: t.outboundEmails.id });
  const payload: SendEmailPayload = { tenantId: tenant.id, emailId: row!.id };
  // graphile_worker.add_job runs in our transaction, so the job commits (or vanishes) with the email.
  await tx.execute(sql`select graphile_worker.add_job(${SEND_EMAIL_TASK}, ${JSON.stringify(payload)}::json, max_attempts := 25)`);
  return { id: row!.id, messageId };
}
