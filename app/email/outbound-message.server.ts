import type { TenantTables } from "../../db/tenant-tables";
import { replyAddress } from "../inbound/reply-token.server";
import { singleLine } from "./header-text.server";
import type { MailMessage } from "./mail-transport.server";

export type OutboxRow = TenantTables["outboundEmails"]["$inferSelect"];
export type Sender = { name: string; address: string };
/** Set when inbound email is configured (INBOUND_DOMAIN): customers' replies then come back to the ticket. */
export type ReplyRouting = { sessionSecret: string; inboundDomain: string; tenant: { id: string; slug: string } };

const AUTOMATIC_KINDS: Record<string, string> = {
  ticket_confirmation: "auto-replied",
  login_code: "auto-generated",
  customer_reply_notice: "auto-generated",
  team_invite: "auto-generated",
  account_locked: "auto-generated",
  address_confirmation: "auto-generated",
  webhook_disabled: "auto-generated",
  new_device_sign_in: "auto-generated",
  two_factor_changed: "auto-generated",
  // A trigger's emails are automatic: auto-responders must not answer them (RFC 3834).
  trigger_customer_email: "auto-generated",
  trigger_notice: "auto-generated",
};

// The emails a customer answers; agents' notices and sign-in codes are not part of a ticket's thread.
const REPLYABLE_KINDS = new Set(["ticket_confirmation", "agent_reply", "trigger_customer_email"]);

/**
 * The message for one outbox row, through nodemailer's object API only (no raw headers), so every
 * header is encoded by nodemailer and the envelope holds exactly the row's one recipient. Names
 * and the subject were made single lines at queue time; doing it again covers older rows and the
 * workspace name.
 */
export function outboundMessage(row: OutboxRow, sender: Sender, replyRouting?: ReplyRouting): MailMessage {
  const replyTo =
    replyRouting && row.ticketId !== null && REPLYABLE_KINDS.has(row.kind)
      ? replyAddress(replyRouting.sessionSecret, replyRouting.tenant, row.ticketId, replyRouting.inboundDomain)
      : undefined;
  return {
    from: { name: singleLine(sender.name), address: sender.address },
    ...(replyTo ? { replyTo: { name: singleLine(sender.name), address: replyTo } } : {}),
    to: { name: row.toName ? singleLine(row.toName) : "", address: row.toAddress },
    subject: singleLine(row.subject),
    messageId: row.messageId,
    inReplyTo: row.inReplyTo ?? undefined,
    references: row.references.length > 0 ? row.references : undefined,
    // When the email was written, so every retry sends the same message.
    date: row.createdAt,
    text: row.textBody,
    html: row.htmlBody,
    // RFC 3834: tells other systems' auto-responders not to answer, so two robots cannot loop.
    ...(AUTOMATIC_KINDS[row.kind] ? { headers: { "Auto-Submitted": AUTOMATIC_KINDS[row.kind]! } } : {}),
  };
}
