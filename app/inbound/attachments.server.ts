import { createHash } from "node:crypto";
import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { Attachment } from "mailparser";
import type { TenantHandle } from "../../tenancy/connection-router";
import { AppError, notFound } from "../app-error";

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS_PER_MESSAGE_BYTES = 25 * 1024 * 1024;
const MAX_FILENAME_CHARS = 120;

export type StoredAttachment = { filename: string; contentType: string; sizeBytes: number; sha256: string; content: Buffer };

/**
 * A file name for display only (it is never a path): no directories, no control or bidi
 * characters, limited length, the extension kept when it is cut.
 */
export function displayFilename(name: string | undefined | null): string {
  // Only the end of a name can survive (the base name, cut to 120 characters), so only the end is read.
  const base =
    (name ?? "")
      .slice(-4 * MAX_FILENAME_CHARS)
      .split(/[\\/]/)
      .pop() ?? "";
  let cleaned = base
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  cleaned = cleaned.replace(/^\.+/, "").trim();
  if (cleaned.length > MAX_FILENAME_CHARS) {
    const dot = cleaned.lastIndexOf(".");
    const extension = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : "";
    cleaned = cleaned.slice(0, MAX_FILENAME_CHARS - extension.length).trimEnd() + extension;
  }
  return cleaned || "attachment";
}

/** A content type from the part when it looks like one; anything else is application/octet-stream. */
function contentTypeOf(value: string | undefined): string {
  const type = (value ?? "").slice(0, 255).split(";")[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : "application/octet-stream";
}

/**
 * The files to store with a message: each up to 10 MB and 25 MB in all; the rest are skipped
 * and named in `skipped`, for a note on the message. Inline images referenced by the HTML count too.
 */
export function selectAttachments(parts: Attachment[]): { stored: StoredAttachment[]; skipped: string[] } {
  const stored: StoredAttachment[] = [];
  const skipped: string[] = [];
  let total = 0;
  for (const part of parts) {
    const filename = displayFilename(part.filename);
    const content = part.content;
    if (content.length > MAX_ATTACHMENT_BYTES || total + content.length > MAX_ATTACHMENTS_PER_MESSAGE_BYTES) {
      skipped.push(filename);
      continue;
    }
    total += content.length;
    stored.push({
      filename,
      contentType: contentTypeOf(part.contentType),
      sizeBytes: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
      content,
    });
  }
  return { stored, skipped };
}

export type AttachmentSummary = { id: number; filename: string; contentType: string; sizeBytes: number };
export type EmailParts = { htmlBody: string | null; attachments: AttachmentSummary[] };

/** The sanitised HTML and the files of a ticket's messages, by message id (only messages that have either). */
export async function emailPartsOfTicket({ db, t }: TenantHandle, ticketId: number): Promise<Record<number, EmailParts>> {
  const [htmlRows, files] = await Promise.all([
    db
      .select({ id: t.ticketMessages.id, htmlBody: t.ticketMessages.htmlBody })
      .from(t.ticketMessages)
      .where(and(eq(t.ticketMessages.ticketId, ticketId), isNotNull(t.ticketMessages.htmlBody))),
    db
      .select({
        messageId: t.messageAttachments.ticketMessageId,
        id: t.messageAttachments.id,
        filename: t.messageAttachments.filename,
        contentType: t.messageAttachments.contentType,
        sizeBytes: t.messageAttachments.sizeBytes,
      })
      .from(t.messageAttachments)
      .innerJoin(t.ticketMessages, eq(t.ticketMessages.id, t.messageAttachments.ticketMessageId))
      .where(eq(t.ticketMessages.ticketId, ticketId))
      .orderBy(asc(t.messageAttachments.id)),
  ]);
  const parts: Record<number, EmailParts> = {};
  for (const row of htmlRows) parts[row.id] = { htmlBody: row.htmlBody, attachments: [] };
  for (const { messageId, ...file } of files) (parts[messageId] ??= { htmlBody: null, attachments: [] }).attachments.push(file);
  return parts;
}

type StoredFile = { filename: string; contentType: string; content: Buffer };

/** A file of a message on ticket `number` of this workspace; 404 otherwise. */
export async function attachmentForAgent({ db, t }: TenantHandle, number: number, attachmentId: number): Promise<StoredFile> {
  const [file] = await db
    .select({ filename: t.messageAttachments.filename, contentType: t.messageAttachments.contentType, content: t.messageAttachments.content })
    .from(t.messageAttachments)
    .innerJoin(t.ticketMessages, eq(t.ticketMessages.id, t.messageAttachments.ticketMessageId))
    .innerJoin(t.tickets, eq(t.tickets.id, t.ticketMessages.ticketId))
    .where(and(eq(t.messageAttachments.id, attachmentId), eq(t.tickets.number, number)));
  if (!file) throw notFound("That attachment");
  return file;
}

/** A file of a public message on the customer's own ticket `number`; 404 otherwise (also for internal notes' files). */
export async function attachmentForCustomer({ db, t }: TenantHandle, customerId: number, number: number, attachmentId: number): Promise<StoredFile> {
  const [file] = await db
    .select({ filename: t.messageAttachments.filename, contentType: t.messageAttachments.contentType, content: t.messageAttachments.content })
    .from(t.messageAttachments)
    .innerJoin(t.ticketMessages, eq(t.ticketMessages.id, t.messageAttachments.ticketMessageId))
    .innerJoin(t.tickets, eq(t.tickets.id, t.ticketMessages.ticketId))
    .where(
      and(eq(t.messageAttachments.id, attachmentId), eq(t.tickets.number, number), eq(t.tickets.customerId, customerId), eq(t.ticketMessages.internal, false)),
    );
  if (!file) throw new AppError("not_found", "We could not find that file.");
  return file;
}

/**
 * The download: always saved, never rendered by the browser, and inert if it is opened anyway.
 * `X-Content-Type-Options: nosniff` comes from helmet on every response (set here too, it would be doubled).
 */
export function attachmentResponse(file: StoredFile): Response {
  const encoded = encodeURIComponent(file.filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return new Response(new Uint8Array(file.content), {
    headers: {
      "Content-Type": file.contentType,
      "Content-Length": String(file.content.length),
      "Content-Disposition": `attachment; filename*=UTF-8''${encoded}`,
      "Content-Security-Policy": "sandbox; default-src 'none'",
      "Cache-Control": "private, no-store",
    },
  });
}
