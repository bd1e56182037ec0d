import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import * as z from "zod";
import { singleLine } from "../email/header-text.server";
import { selectAttachments, type StoredAttachment } from "./attachments.server";
import { isAutomatedEmail } from "./loop-detection.server";
import { replyBody } from "./quoted-text.server";
import { emailHtmlForFrame, textFromHtml } from "./sanitize-email-html.server";

/** What a ticket message needs from one email, every field capped. */
export type InboundEmailContent = {
  sender: { address: string; name: string };
  subject: string;
  emailMessageId: string | null;
  automated: boolean;
  body: string;
  htmlBody: string | null;
  attachments: StoredAttachment[];
  /** The addresses in To and Cc (where a reply token may be). */
  recipients: string[];
  /** Message-IDs from In-Reply-To and References, the last 50. */
  references: string[];
};

export type ReadInboundEmail = { ok: true; email: InboundEmailContent } | { ok: false; reason: string };

const MAX_SUBJECT_CHARS = 250;
const MAX_NAME_CHARS = 200;
const MAX_MESSAGE_ID_CHARS = 998;
const MAX_REFERENCES = 50;
/** References beyond this much header text are not read (50 ids are a few kilobytes). */
const MAX_REFERENCE_CHARS = 64 * 1024;
const MAX_RECIPIENTS = 200;
const MAX_SKIPPED_NAMES = 20;

const senderAddress = z.string().max(254).pipe(z.email());

class UnreadableEmail extends Error {}

/**
 * Parses a raw message and derives everything processing stores: CPU work only, no database, so
 * it can run in a worker thread (see inbound-reader-pool.server.ts). Every piece of text is cut to
 * its limit before any pattern or sanitiser reads it. A message that cannot be read gives a reason.
 */
export async function readInboundEmail(raw: Uint8Array, envelopeFrom: string | null): Promise<ReadInboundEmail> {
  let mail: ParsedMail;
  let sender: { address: string; name: string };
  try {
    // Conversions we never use are skipped: html-to-text and linkify over a 25 MB part cost seconds.
    mail = await simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
      keepCidLinks: true,
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
    });
    sender = senderOf(mail);
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof UnreadableEmail ? error.message : `The email could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const { stored, skipped } = selectAttachments(mail.attachments);
  return {
    ok: true,
    email: {
      sender,
      subject: singleLine((mail.subject ?? "").replaceAll("\u0000", ""), MAX_SUBJECT_CHARS) || "(no subject)",
      emailMessageId: mail.messageId?.slice(0, MAX_MESSAGE_ID_CHARS).trim() || null,
      automated: isAutomatedEmail(mail, envelopeFrom),
      body: messageBody(mail, skipped),
      htmlBody: emailHtmlForFrame(mail.html),
      attachments: stored,
      recipients: recipientsOf(mail),
      references: referencesOf(mail),
    },
  };
}

function senderOf(mail: ParsedMail): { address: string; name: string } {
  const from = mail.from?.value.find((entry) => entry.address);
  const parsed = senderAddress.safeParse(from?.address?.trim());
  if (!parsed.success) throw new UnreadableEmail("The email has no valid sender (From) address.");
  const address = parsed.data;
  const name = singleLine((from?.name ?? "").replaceAll("\u0000", ""), MAX_NAME_CHARS) || address.split("@")[0]!;
  return { address, name };
}

function messageBody(mail: ParsedMail, skipped: string[]): string {
  const text = mail.text?.trim() ? mail.text : typeof mail.html === "string" ? textFromHtml(mail.html) : "";
  let body = replyBody(text) || "(This email has no text.)";
  if (skipped.length > 0) {
    const names =
      skipped.slice(0, MAX_SKIPPED_NAMES).join(", ") + (skipped.length > MAX_SKIPPED_NAMES ? ` and ${skipped.length - MAX_SKIPPED_NAMES} more` : "");
    body += `\n\n[Attachments not kept because they are over the size limit (10 MB each, 25 MB per email): ${names}]`;
  }
  return body;
}

function recipientsOf(mail: ParsedMail): string[] {
  const listed = (field: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) => group.value.map((entry) => entry.address ?? ""));
  return [
    ...new Set(
      [...listed(mail.to), ...listed(mail.cc)]
        .slice(0, MAX_RECIPIENTS)
        .map((address) => address.slice(0, 320).trim())
        .filter(Boolean),
    ),
  ];
}

function referencesOf(mail: ParsedMail): string[] {
  const references = Array.isArray(mail.references) ? mail.references.join(" ") : (mail.references ?? "");
  const text = `${(mail.inReplyTo ?? "").slice(0, MAX_REFERENCE_CHARS)} ${references.slice(-MAX_REFERENCE_CHARS)}`;
  const ids = text.match(/<[^<>\s]{1,998}>/g) ?? [];
  return [...new Set(ids)].slice(-MAX_REFERENCES);
}
