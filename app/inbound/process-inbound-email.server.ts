import { and, desc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import type { Logger } from "pino";
import * as z from "zod";
import { tenants } from "../../db/control-schema";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { toTenantRecord } from "../../tenancy/tenant-registry";
import { findOrCreateCustomer } from "../customers/customers.server";
import { singleLine } from "../email/header-text.server";
import { queueTicketConfirmation } from "../email/notifications.server";
import { joinTransaction } from "../portal/join-transaction.server";
import { addMessage, createTicket } from "../tickets/ticket-commands.server";
import { forgetTicketCounters } from "../tickets/ticket-counters.server";
import { selectAttachments } from "./attachments.server";
import type { ProcessInboundEmailPayload } from "./inbound-jobs";
import { isAutomatedEmail } from "./loop-detection.server";
import { cleanBody, stripQuotedHistory } from "./quoted-text.server";
import { ticketFromReplyAddress } from "./reply-token.server";
import { sanitizeEmailHtml, textFromHtml } from "./sanitize-email-html.server";

export type InboundOptions = {
  /** Keys the reply tokens of reply addresses. */
  sessionSecret: string;
  /** The workspace's own address (https://acme.example.com), for links in the emails a message causes. */
  origin: string;
};

export type InboundOutcome =
  | { status: "skipped" }
  | { status: "failed"; reason: string }
  | { status: "duplicate"; ticketId: number | null; ticketMessageId: number | null }
  | { status: "own-email" }
  | { status: "processed"; ticketId: number; ticketMessageId: number; newTicket: boolean; automated: boolean };

const senderAddress = z.email();
const MAX_SUBJECT_CHARS = 250;
const MAX_HTML_CHARS = 1_000_000;

class UnreadableEmail extends Error {}

/**
 * Turns one stored inbound email into a ticket message: a reply to the ticket its reply token or
 * its In-Reply-To/References name (the latter only from that ticket's customer), otherwise a new
 * ticket. Everything it writes commits together with the row's new status. A message that cannot
 * be read is marked failed with the reason and not retried; a database error is thrown for a retry.
 */
export async function processInboundEmail(handle: TenantHandle, options: InboundOptions, inboundEmailId: number): Promise<InboundOutcome> {
  const { db, t } = handle;
  const [row] = await db.select().from(t.inboundEmails).where(eq(t.inboundEmails.id, inboundEmailId));
  if (!row || row.status !== "received") return { status: "skipped" };

  let mail: ParsedMail;
  let sender: { address: string; name: string };
  try {
    mail = await simpleParser(row.raw, { keepCidLinks: true });
    sender = senderOf(mail);
  } catch (error) {
    const reason = error instanceof UnreadableEmail ? error.message : `The email could not be parsed: ${error instanceof Error ? error.message : String(error)}`;
    await db
      .update(t.inboundEmails)
      .set({ status: "failed", failureReason: reason.slice(0, 1000), attempts: sql`${t.inboundEmails.attempts} + 1`, processedAt: sql`now()` })
      .where(and(eq(t.inboundEmails.id, inboundEmailId), eq(t.inboundEmails.status, "received")));
    return { status: "failed", reason };
  }

  const automated = isAutomatedEmail(mail, row.envelopeFrom);
  const emailMessageId = mail.messageId?.trim().slice(0, 998) || null;
  try {
    return await handle.transaction(async (tx) => {
      // The row, locked: a second run of the same job waits here and then finds it processed.
      const [locked] = await tx.select({ status: t.inboundEmails.status }).from(t.inboundEmails).where(eq(t.inboundEmails.id, inboundEmailId)).for("update");
      if (locked?.status !== "received") return { status: "skipped" } as const;
      const markProcessed = (ticketId: number | null, ticketMessageId: number | null) =>
        tx
          .update(t.inboundEmails)
          .set({ status: "processed", ticketId, ticketMessageId, automated, attempts: sql`${t.inboundEmails.attempts} + 1`, processedAt: sql`now()`, failureReason: null })
          .where(eq(t.inboundEmails.id, inboundEmailId));

      if (emailMessageId) {
        const [existing] = await tx
          .select({ id: t.ticketMessages.id, ticketId: t.ticketMessages.ticketId })
          .from(t.ticketMessages)
          .where(eq(t.ticketMessages.emailMessageId, emailMessageId))
          .limit(1);
        if (existing) {
          await markProcessed(existing.ticketId, existing.id);
          return { status: "duplicate", ticketId: existing.ticketId, ticketMessageId: existing.id } as const;
        }
        // One of our own emails came back (a forwarding loop, a misrouted copy): never a message.
        const [ours] = await tx.select({ id: t.outboundEmails.id }).from(t.outboundEmails).where(eq(t.outboundEmails.messageId, emailMessageId)).limit(1);
        if (ours) {
          await markProcessed(null, null);
          return { status: "own-email" } as const;
        }
      }

      const { stored, skipped } = selectAttachments(mail.attachments);
      const body = messageBody(mail, skipped);
      const htmlBody = emailHtml(mail);
      const joined = joinTransaction(handle, tx);
      const mailContext = automated ? undefined : { origin: options.origin };

      const existingTicket = await threadedTicket(tx, handle, options.sessionSecret, mail, row.envelopeTo, sender.address);
      let ticketId: number;
      let messageId: number;
      let newTicket = false;
      if (existingTicket) {
        const message = await addMessage(joined, { type: "customer", customerId: existingTicket.customerId }, existingTicket.number, { body }, mailContext);
        ticketId = existingTicket.id;
        messageId = message.id;
      } else {
        const customer = await findOrCreateCustomer(tx, t, { type: "system" }, { name: sender.name, email: sender.address });
        const subject = singleLine(mail.subject?.replace(/\u0000/g, "") ?? "").slice(0, MAX_SUBJECT_CHARS) || "(no subject)";
        const ticket = await createTicket(joined, { type: "customer", customerId: customer.id }, { customer: { id: customer.id }, subject, message: body, channel: "email" });
        const [first] = await tx.select({ id: t.ticketMessages.id }).from(t.ticketMessages).where(eq(t.ticketMessages.ticketId, ticket.id)).orderBy(desc(t.ticketMessages.id)).limit(1);
        ticketId = ticket.id;
        messageId = first!.id;
        newTicket = true;
        // Before the confirmation is queued: it threads on the customer's Message-ID.
        await tx.update(t.ticketMessages).set({ emailMessageId }).where(eq(t.ticketMessages.id, messageId));
        if (mailContext) {
          const [person] = await tx.select({ name: t.customers.name, email: t.customers.email }).from(t.customers).where(eq(t.customers.id, customer.id));
          await queueTicketConfirmation({ tx, handle, ...mailContext }, { customer: person!, ticket: { id: ticket.id, number: ticket.number, subject } });
        }
      }
      await tx.update(t.ticketMessages).set({ htmlBody, emailMessageId, inboundEmailId }).where(eq(t.ticketMessages.id, messageId));
      if (stored.length > 0) await tx.insert(t.messageAttachments).values(stored.map((file) => ({ ...file, ticketMessageId: messageId })));
      await markProcessed(ticketId, messageId);
      return { status: "processed", ticketId, ticketMessageId: messageId, newTicket, automated } as const;
    });
  } catch (error) {
    // Best effort: when the database itself is the problem, the original error is the one to report.
    await db
      .update(t.inboundEmails)
      .set({ attempts: sql`${t.inboundEmails.attempts} + 1`, failureReason: describeError(error) })
      .where(eq(t.inboundEmails.id, inboundEmailId))
      .catch(() => undefined);
    throw error;
  } finally {
    // The ticket commands ran inside our transaction; the cached counters may be stale either way.
    forgetTicketCounters(handle.tenant.schemaName);
  }
}

function senderOf(mail: ParsedMail): { address: string; name: string } {
  const from = mail.from?.value.find((entry) => entry.address);
  const parsed = senderAddress.safeParse(from?.address?.trim());
  if (!parsed.success) throw new UnreadableEmail("The email has no valid sender (From) address.");
  const address = parsed.data;
  const name = singleLine((from?.name ?? "").replace(/\u0000/g, "")).slice(0, 200) || address.split("@")[0]!;
  return { address, name };
}

/** The sanitised HTML, when there is some and it is of a size a frame can show; the text body stays either way. */
function emailHtml(mail: ParsedMail): string | null {
  if (typeof mail.html !== "string" || !mail.html.trim()) return null;
  const html = sanitizeEmailHtml(mail.html);
  return html && html.length <= MAX_HTML_CHARS ? html : null;
}

function messageBody(mail: ParsedMail, skipped: string[]): string {
  const text = mail.text?.trim() ? mail.text : typeof mail.html === "string" ? textFromHtml(mail.html) : "";
  let body = stripQuotedHistory(text.replace(/\u0000/g, ""));
  if (!body) body = "(This email has no text.)";
  if (skipped.length > 0) body += `\n\n[Attachments not kept because they are over the size limit (10 MB each, 25 MB per email): ${skipped.join(", ")}]`;
  return cleanBody(body);
}

type ThreadedTicket = { id: number; number: number; customerId: number };

/**
 * The existing ticket this email continues: (a) a recipient's reply token that verifies for this
 * tenant, or (b) In-Reply-To/References naming one of this tenant's emails about a ticket. Both
 * only when the sender is the ticket's customer: a message is always its sender's words.
 */
async function threadedTicket(tx: TenantTransaction, handle: TenantHandle, sessionSecret: string, mail: ParsedMail, envelopeTo: string[], sender: string): Promise<ThreadedTicket | null> {
  const { t, tenant } = handle;
  const ownedBySender = async (condition: ReturnType<typeof eq>) => {
    const [ticket] = await tx
      .select({ id: t.tickets.id, number: t.tickets.number, customerId: t.tickets.customerId })
      .from(t.tickets)
      .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
      .where(and(condition, sql`lower(${t.customers.email}) = ${sender.toLowerCase()}`))
      .limit(1);
    return ticket ?? null;
  };

  for (const recipient of recipientsOf(mail, envelopeTo)) {
    const ticketId = ticketFromReplyAddress(sessionSecret, tenant, recipient);
    if (ticketId === null) continue;
    const ticket = await ownedBySender(eq(t.tickets.id, ticketId));
    if (ticket) return ticket;
  }

  const references = referencesOf(mail);
  if (references.length === 0) return null;
  const fromOutbound = await tx
    .select({ ticketId: t.outboundEmails.ticketId })
    .from(t.outboundEmails)
    .where(and(inArray(t.outboundEmails.messageId, references), isNotNull(t.outboundEmails.ticketId)));
  const fromMessages = await tx.select({ ticketId: t.ticketMessages.ticketId }).from(t.ticketMessages).where(inArray(t.ticketMessages.emailMessageId, references));
  const candidates = [...new Set([...fromOutbound, ...fromMessages].map((row) => row.ticketId).filter((id): id is number => id !== null))];
  if (candidates.length === 0) return null;
  return ownedBySender(inArray(t.tickets.id, candidates));
}

function recipientsOf(mail: ParsedMail, envelopeTo: string[]): string[] {
  const listed = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) => group.value.map((entry) => entry.address ?? ""));
  return [...new Set([...envelopeTo, ...listed(mail.to), ...listed(mail.cc)].map((address) => address.trim()).filter(Boolean))];
}

function referencesOf(mail: ParsedMail): string[] {
  const references = Array.isArray(mail.references) ? mail.references : mail.references ? mail.references.split(/\s+/) : [];
  const ids = [mail.inReplyTo ?? "", ...references].flatMap((value) => value.match(/<[^<>\s]+>/g) ?? []);
  return [...new Set(ids)].slice(-50);
}

function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}

export type ProcessInboundDeps = {
  platform: Pick<Platform, "control" | "router">;
  sessionSecret: string;
  /** The workspace's own address, e.g. https://acme.example.com. */
  originFor: (tenant: TenantRecord) => string;
  log: Pick<Logger, "info" | "warn" | "error">;
};

const payloadSchema: z.ZodType<ProcessInboundEmailPayload> = z.object({ tenantId: z.string().min(1), inboundEmailId: z.number().int().positive() });

/** The `process_inbound_email` job. */
export function processInboundEmailTask({ platform, sessionSecret, originFor, log }: ProcessInboundDeps) {
  return async (rawPayload: unknown, helpers: JobHelpers): Promise<void> => {
    const parsed = payloadSchema.safeParse(rawPayload);
    if (!parsed.success) {
      log.error({ jobId: helpers.job.id, payload: rawPayload }, "process_inbound_email job with a malformed payload dropped");
      return;
    }
    const { tenantId, inboundEmailId } = parsed.data;
    const [tenantRow] = await platform.control.db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
    const tenant = tenantRow ? toTenantRecord(tenantRow) : null;
    if (!tenant || tenant.status === "deleting") {
      log.warn({ tenantId, inboundEmailId }, "inbound email of a tenant that no longer exists dropped");
      return;
    }
    const handle = platform.router.forTenant(tenant);
    let outcome: InboundOutcome;
    try {
      outcome = await processInboundEmail(handle, { sessionSecret, origin: originFor(tenant) }, inboundEmailId);
    } catch (error) {
      if (helpers.job.attempts < helpers.job.max_attempts) throw error;
      // The last attempt: the row shows admins why, instead of waiting as "received" forever.
      await handle.db
        .update(handle.t.inboundEmails)
        .set({ status: "failed", failureReason: `Not processed after ${helpers.job.attempts} attempts: ${describeError(error)}`.slice(0, 1000), processedAt: sql`now()` })
        .where(and(eq(handle.t.inboundEmails.id, inboundEmailId), eq(handle.t.inboundEmails.status, "received")));
      log.error({ tenant: tenant.slug, inboundEmailId, err: error }, "inbound email not processed; marked failed");
      return;
    }
    if (outcome.status === "failed") log.warn({ tenant: tenant.slug, inboundEmailId, reason: outcome.reason }, "inbound email could not be read; marked failed");
    else if (outcome.status !== "skipped") log.info({ tenant: tenant.slug, inboundEmailId, ...outcome }, "inbound email processed");
  };
}
