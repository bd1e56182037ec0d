import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import * as z from "zod";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";
import { singleLine } from "./header-text.server";

/** The job that sends one outbox row; its payload names the tenant and the row. */
export const SEND_EMAIL_TASK = "send_email";
export type SendEmailPayload = { tenantId: string; emailId: number };

export type OutboundEmail = {
  kind:
    | "ticket_confirmation"
    | "login_code"
    | "agent_reply"
    | "customer_reply_notice"
    | "team_invite"
    | "account_locked"
    | "password_reset"
    | "password_changed"
    | "email_change_confirmation"
    | "email_changed"
    | "address_confirmation"
    | "sla_warning_notice"
    | "sla_breach_notice"
    | "webhook_disabled"
    | "new_device_sign_in"
    | "two_factor_changed"
    | "trigger_customer_email"
    | "trigger_notice";
  to: { address: string; name?: string | null };
  subject: string;
  text: string;
  html: string;
  /**
   * Emails about one ticket form one thread: In-Reply-To/References name the ticket's earlier emails,
   * ours and the customer's, so replies sit under the customer's own message in their mail client.
   */
  ticketId?: number | null;
  ticketMessageId?: number | null;
};

const recipientAddress = z.email();

/**
 * Writes a rendered email to the tenant's outbox and enqueues its sending job, both inside `tx`:
 * the email exists if and only if the change that caused it committed. The subject and the
 * recipient's name are stored as single lines, so they cannot carry a header of their own.
 */
export async function queueEmail(
  tx: TenantTransaction,
  handle: Pick<TenantHandle, "t" | "tenant">,
  email: OutboundEmail,
  messageIdDomain: string,
): Promise<{ id: number; messageId: string }> {
  const { t, tenant } = handle;
  // One plain address: never a list, a group or anything with a line break in it.
  const toAddress = recipientAddress.parse(email.to.address.trim());
  const thread = email.ticketId ? await ticketThread(tx, handle.t, email.ticketId) : [];
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
      inReplyTo: thread.at(-1) ?? null,
      // References keeps the thread's root and the latest messages, as RFC 5322 suggests for long threads.
      references: thread.length > 20 ? [thread[0]!, ...thread.slice(-19)] : thread,
      ticketId: email.ticketId ?? null,
      ticketMessageId: email.ticketMessageId ?? null,
    })
    .returning({ id: t.outboundEmails.id });
  const payload: SendEmailPayload = { tenantId: tenant.id, emailId: row!.id };
  // graphile_worker.add_job runs in our transaction, so the job commits (or vanishes) with the email.
  await tx.execute(sql`select graphile_worker.add_job(${SEND_EMAIL_TASK}, ${JSON.stringify(payload)}::json, max_attempts := 25)`);
  return { id: row!.id, messageId };
}

/** The Message-IDs of a ticket's emails so far, both directions, oldest first. */
async function ticketThread(tx: TenantTransaction, t: TenantTables, ticketId: number): Promise<string[]> {
  const { rows } = await tx.execute<{ message_id: string }>(sql`
    select message_id from (
      select ${t.outboundEmails.messageId} as message_id, ${t.outboundEmails.createdAt} as at from ${t.outboundEmails} where ${t.outboundEmails.ticketId} = ${ticketId}
      union all
      select ${t.ticketMessages.emailMessageId}, ${t.ticketMessages.createdAt} from ${t.ticketMessages} where ${t.ticketMessages.ticketId} = ${ticketId} and ${t.ticketMessages.emailMessageId} is not null
    ) thread order by at`);
  return [...new Set(rows.map((row) => row.message_id))];
}
