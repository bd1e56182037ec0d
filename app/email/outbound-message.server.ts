import type { TenantTables } from "../../db/tenant-tables";
import { singleLine } from "./header-text.server";
import type { MailMessage } from "./mail-transport.server";

export type OutboxRow = TenantTables["outboundEmails"]["$inferSelect"];
export type Sender = { name: string; address: string };

/**
 * The message for one outbox row, through nodemailer's object API only (no raw headers), so every
 * header is encoded by nodemailer and the envelope holds exactly the row's one recipient. Names
 * and the subject were made single lines at queue time; doing it again covers older rows and the
 * workspace name.
 */
export function outboundMessage(row: OutboxRow, sender: Sender): MailMessage {
  return {
    from: { name: singleLine(sender.name), address: sender.address },
    to: { name: row.toName ? singleLine(row.toName) : "", address: row.toAddress },
    subject: singleLine(row.subject),
    messageId: row.messageId,
    inReplyTo: row.inReplyTo ?? undefined,
    references: row.references.length > 0 ? row.references : undefined,
    // When the email was written, so every retry sends the same message.
    date: row.createdAt,
    text: row.textBody,
    html: row.htmlBody,
  };
}
