import { and, desc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import type { Logger } from "pino";
import * as z from "zod";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { findOrCreateCustomer } from "../customers/customers.server";
import { queueTicketConfirmation } from "../email/notifications.server";
import { describeJobError, openTenantJob } from "../jobs/tenant-job.server";
import { joinTransaction } from "../../tenancy/join-transaction";
import { addMessage, createTicket } from "../tickets/ticket-commands.server";
import { forgetTicketCounters } from "../tickets/ticket-counters.server";
import { PROCESS_INBOUND_EMAIL_TASK, type ProcessInboundEmailPayload } from "./inbound-jobs";
import { readInboundEmailOffThread } from "./inbound-reader-pool.server";
import type { InboundEmailContent } from "./read-inbound-email.server";
import { ticketFromReplyAddress } from "./reply-token.server";

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

/**
 * Turns one stored inbound email into a ticket message: a reply to the ticket its reply token or
 * its In-Reply-To/References name (the latter only from that ticket's customer), otherwise a new
 * ticket. Everything it writes commits together with the row's new status. A message that cannot
 * be read is marked failed with the reason and not retried; a database error is thrown for a retry.
 */
export async function processInboundEmail(handle: TenantHandle, options: InboundOptions, inboundEmailId: number): Promise<InboundOutcome> {
  const { db, t } = handle;
  const [row] = await db
    .select({
      status: t.inboundEmails.status,
      sizeBytes: sql<number>`octet_length(${t.inboundEmails.raw})`.mapWith(Number),
      envelopeFrom: t.inboundEmails.envelopeFrom,
      envelopeTo: t.inboundEmails.envelopeTo,
    })
    .from(t.inboundEmails)
    .where(eq(t.inboundEmails.id, inboundEmailId));
  if (!row || row.status !== "received") return { status: "skipped" };

  const read = await readInboundEmailOffThread(await rawMessage(handle, inboundEmailId, row.sizeBytes), row.envelopeFrom);
  if (!read.ok) {
    const { reason } = read;
    await db
      .update(t.inboundEmails)
      .set({ status: "failed", failureReason: reason.slice(0, 1000), attempts: sql`${t.inboundEmails.attempts} + 1`, processedAt: sql`now()` })
      .where(and(eq(t.inboundEmails.id, inboundEmailId), eq(t.inboundEmails.status, "received")));
    return { status: "failed", reason };
  }

  const { email } = read;
  const { automated, emailMessageId, sender, subject, body, htmlBody } = email;
  try {
    return await handle.transaction(async (tx) => {
      // The row, locked: a second run of the same job waits here and then finds it processed.
      const [locked] = await tx.select({ status: t.inboundEmails.status }).from(t.inboundEmails).where(eq(t.inboundEmails.id, inboundEmailId)).for("update");
      if (locked?.status !== "received") return { status: "skipped" } as const;
      const markProcessed = (ticketId: number | null, ticketMessageId: number | null) =>
        tx
          .update(t.inboundEmails)
          .set({
            status: "processed",
            ticketId,
            ticketMessageId,
            automated,
            attempts: sql`${t.inboundEmails.attempts} + 1`,
            processedAt: sql`now()`,
            failureReason: null,
          })
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

      const joined = joinTransaction(handle, tx);
      const mailContext = automated ? undefined : { origin: options.origin };

      const existingTicket = await threadedTicket(tx, handle, options.sessionSecret, email, row.envelopeTo);
      let ticketId: number;
      let messageId: number;
      let newTicket = false;
      if (existingTicket) {
        const message = await addMessage(joined, { type: "customer", customerId: existingTicket.customerId }, existingTicket.number, { body }, mailContext);
        ticketId = existingTicket.id;
        messageId = message.id;
      } else {
        const customer = await findOrCreateCustomer(tx, handle, { type: "system" }, { name: sender.name, email: sender.address });
        const ticket = await createTicket(
          joined,
          { type: "customer", customerId: customer.id },
          { customer: { id: customer.id }, subject, message: body, channel: "email" },
          mailContext,
        );
        const [first] = await tx
          .select({ id: t.ticketMessages.id })
          .from(t.ticketMessages)
          .where(eq(t.ticketMessages.ticketId, ticket.id))
          .orderBy(desc(t.ticketMessages.id))
          .limit(1);
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
      if (email.attachments.length > 0)
        await tx.insert(t.messageAttachments).values(email.attachments.map((file) => ({ ...file, ticketMessageId: messageId })));
      await markProcessed(ticketId, messageId);
      return { status: "processed", ticketId, ticketMessageId: messageId, newTicket, automated } as const;
    });
  } catch (error) {
    // Best effort: when the database itself is the problem, the original error is the one to report.
    await db
      .update(t.inboundEmails)
      .set({ attempts: sql`${t.inboundEmails.attempts} + 1`, failureReason: describeJobError(error) })
      .where(eq(t.inboundEmails.id, inboundEmailId))
      .catch(() => undefined);
    throw error;
  } finally {
    // The ticket commands ran inside our transaction; the cached counters may be stale either way.
    forgetTicketCounters(handle.tenant.schemaName);
  }
}

/** bytea arrives as hex text: a 25 MB message read at once is a 50 MB string decoded in one go, a second of blocked event loop. */
const RAW_SLICE_BYTES = 1024 * 1024;

/** The stored message, read in slices so that no single read holds the event loop for long. */
async function rawMessage({ db, t }: TenantHandle, inboundEmailId: number, sizeBytes: number): Promise<Buffer> {
  const slices: Buffer[] = [];
  for (let offset = 0; offset < sizeBytes; offset += RAW_SLICE_BYTES) {
    const [slice] = await db
      .select({ bytes: sql<Buffer>`substring(${t.inboundEmails.raw} from ${offset + 1} for ${RAW_SLICE_BYTES})` })
      .from(t.inboundEmails)
      .where(eq(t.inboundEmails.id, inboundEmailId));
    if (!slice) throw new Error(`inbound email ${inboundEmailId} disappeared while it was read`);
    slices.push(slice.bytes);
  }
  return Buffer.concat(slices);
}

type ThreadedTicket = { id: number; number: number; customerId: number };

/**
 * The existing ticket this email continues: (a) a recipient's reply token that verifies for this
 * tenant, or (b) In-Reply-To/References naming one of this tenant's emails about a ticket. Both
 * only when the sender is the ticket's customer: a message is always its sender's words.
 */
async function threadedTicket(
  tx: TenantTransaction,
  handle: TenantHandle,
  sessionSecret: string,
  email: InboundEmailContent,
  envelopeTo: string[],
): Promise<ThreadedTicket | null> {
  const { t, tenant } = handle;
  const sender = email.sender.address;
  const ownedBySender = async (condition: ReturnType<typeof eq>) => {
    const [ticket] = await tx
      .select({ id: t.tickets.id, number: t.tickets.number, customerId: t.tickets.customerId })
      .from(t.tickets)
      .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
      .where(and(condition, sql`lower(${t.customers.email}) = ${sender.toLowerCase()}`))
      .limit(1);
    return ticket ?? null;
  };

  for (const recipient of new Set([...envelopeTo.map((address) => address.trim()), ...email.recipients])) {
    const ticketId = ticketFromReplyAddress(sessionSecret, tenant, recipient);
    if (ticketId === null) continue;
    const ticket = await ownedBySender(eq(t.tickets.id, ticketId));
    if (ticket) return ticket;
  }

  const { references } = email;
  if (references.length === 0) return null;
  const fromOutbound = await tx
    .select({ ticketId: t.outboundEmails.ticketId })
    .from(t.outboundEmails)
    .where(and(inArray(t.outboundEmails.messageId, references), isNotNull(t.outboundEmails.ticketId)));
  const fromMessages = await tx
    .select({ ticketId: t.ticketMessages.ticketId })
    .from(t.ticketMessages)
    .where(inArray(t.ticketMessages.emailMessageId, references));
  const candidates = [...new Set([...fromOutbound, ...fromMessages].map((row) => row.ticketId).filter((id): id is number => id !== null))];
  if (candidates.length === 0) return null;
  return ownedBySender(inArray(t.tickets.id, candidates));
}

export type ProcessInboundDeps = {
  platform: Pick<Platform, "control" | "router">;
  sessionSecret: string;
  /** The workspace's own address, e.g. https://acme.example.com. */
  originFor: (tenant: TenantRecord) => string;
  log: Pick<Logger, "info" | "warn" | "error">;
};

const PROCESS_INBOUND_EMAIL_JOB = {
  task: PROCESS_INBOUND_EMAIL_TASK,
  subject: "inbound email",
  payloadSchema: z.object({ tenantId: z.string().min(1), inboundEmailId: z.number().int().positive() }) satisfies z.ZodType<ProcessInboundEmailPayload>,
};

/** The `process_inbound_email` job. */
export function processInboundEmailTask({ platform, sessionSecret, originFor, log }: ProcessInboundDeps) {
  return async (rawPayload: unknown, helpers: JobHelpers): Promise<void> => {
    const job = await openTenantJob(PROCESS_INBOUND_EMAIL_JOB, rawPayload, helpers, { platform, log });
    if (!job) return;
    const {
      payload: { inboundEmailId },
      tenant,
      handle,
    } = job;
    let outcome: InboundOutcome;
    try {
      outcome = await processInboundEmail(handle, { sessionSecret, origin: originFor(tenant) }, inboundEmailId);
    } catch (error) {
      if (helpers.job.attempts < helpers.job.max_attempts) throw error;
      // The last attempt: the row shows admins why, instead of waiting as "received" forever.
      await handle.db
        .update(handle.t.inboundEmails)
        .set({
          status: "failed",
          failureReason: `Not processed after ${helpers.job.attempts} attempts: ${describeJobError(error)}`.slice(0, 1000),
          processedAt: sql`now()`,
        })
        .where(and(eq(handle.t.inboundEmails.id, inboundEmailId), eq(handle.t.inboundEmails.status, "received")));
      log.error({ tenant: tenant.slug, inboundEmailId, err: error }, "inbound email not processed; marked failed");
      return;
    }
    if (outcome.status === "failed")
      log.warn({ tenant: tenant.slug, inboundEmailId, reason: outcome.reason }, "inbound email could not be read; marked failed");
    else if (outcome.status !== "skipped") log.info({ tenant: tenant.slug, inboundEmailId, ...outcome }, "inbound email processed");
  };
}
