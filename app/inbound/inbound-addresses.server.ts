import { and, asc, desc, eq, inArray, ne, sql, type SQL } from "drizzle-orm";
import * as z from "zod";
import { inboundAddresses, type InboundAddressStatus } from "../../db/control-schema";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { ControlDatabase } from "../../tenancy/control-plane";
import { recordActivity } from "../activity/activity-log.server";
import { AppError, fieldError, type AppErrorCode } from "../app-error";
import { constantTimeEqual, hashToken, randomToken } from "../auth/tokens.server";
import { queueAddressConfirmation } from "../email/address-confirmation-email.server";
import { isInInboundDomain, type InboundSettings } from "./inbound-routing.server";
import { enqueueInboundProcessing } from "./inbound-store.server";

export { inboundAddressSchema } from "./inbound-schemas";

/** How long a confirmation link works. */
export const CONFIRMATION_TTL_HOURS = 24;
/** The shortest wait between two confirmation emails for one claim. */
export const RESEND_INTERVAL_SECONDS = 60;
/** Confirmation emails a workspace may send in an hour, to one address and in all: the address's owner is not to be flooded. */
export const MAX_CONFIRMATIONS_PER_ADDRESS_HOUR = 5;
export const MAX_CONFIRMATIONS_PER_WORKSPACE_HOUR = 30;

export type InboundAddressClaim = {
  address: string;
  status: InboundAddressStatus;
  confirmationSentAt: Date | null;
  tokenExpiresAt: Date | null;
  verifiedAt: Date | null;
  /** The confirmation email came back into this workspace's inbound mail: the forwarding works. */
  confirmationReturned: boolean;
};

type Actor = { id: number };
type ClaimRow = typeof inboundAddresses.$inferSelect;
type ControlTransaction = Parameters<Parameters<ControlDatabase["transaction"]>[0]>[0];

/** The link in a confirmation email: `<claim id>.<secret>`; only the secret's hash is stored. */
const confirmationTokenSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,15}\.[A-Za-z0-9_-]{43}$/)
  .transform((token) => {
    const [id, secret] = token.split(".") as [string, string];
    return { claimId: Number(id), secret };
  });

export const confirmationLink = (origin: string, token: string) => new URL(`/settings/email/verify/${token}`, origin).toString();

const invalidLink = () =>
  new AppError(
    "confirmation_link_invalid",
    "This confirmation link cannot be used here: it is invalid, was already used, has expired, or belongs to another workspace. Send a new one from Settings → Email.",
  );
const takenError = (address: string) =>
  new AppError(
    "address_taken",
    `${address} was confirmed by another workspace first, so its mail goes there. Its admins must remove it before this workspace can have it.`,
  );
const addressError = (code: AppErrorCode, message: string) => fieldError("address", message, code);

export async function listInboundAddresses(control: ControlDatabase, { tenant, db, t }: TenantHandle): Promise<InboundAddressClaim[]> {
  const rows = await control.select().from(inboundAddresses).where(eq(inboundAddresses.tenantId, tenant.id)).orderBy(asc(inboundAddresses.address));
  const awaited = rows.filter((row) => row.status === "pending" && row.confirmationMessageId).map((row) => row.confirmationMessageId!);
  const returned = awaited.length
    ? new Set(
        (await db.select({ key: t.inboundEmails.dedupeKey }).from(t.inboundEmails).where(inArray(t.inboundEmails.dedupeKey, awaited))).map((row) => row.key),
      )
    : new Set<string>();
  return rows.map((row) => ({
    address: row.address,
    status: row.status,
    confirmationSentAt: row.confirmationSentAt,
    tokenExpiresAt: row.tokenExpiresAt,
    verifiedAt: row.verifiedAt,
    confirmationReturned: row.status === "pending" && row.confirmationMessageId !== null && returned.has(row.confirmationMessageId),
  }));
}

/**
 * Claims `address` for the workspace, pending, and emails the confirmation link to the address.
 * Mail to it is routed only once the claim is verified (verifyInboundAddress). Another workspace's
 * pending claim does not stand in the way; a verified one does. Addresses under INBOUND_DOMAIN
 * and the deployment's own domains are refused: they belong to no workspace's own domain.
 */
export async function addInboundAddress(
  control: ControlDatabase,
  handle: TenantHandle,
  actor: Actor,
  address: string,
  { inbound, origin }: { inbound: Pick<InboundSettings, "domain" | "reservedDomains">; origin: string },
): Promise<void> {
  const normalised = address.trim().toLowerCase();
  if (isInInboundDomain(normalised, inbound.domain))
    throw addressError("inbound_domain_address", `Addresses at ${inbound.domain} are given by the workspace name; add an address at your own domain.`);
  // The deployment's own domains (app, sender) belong to no workspace: claiming one would capture mail meant for Conductor.
  if (inbound.reservedDomains.some((domain) => isInInboundDomain(normalised, domain.toLowerCase())))
    throw addressError("reserved_address", "Addresses at this service's own domain cannot be added; add an address at your own domain.");
  const token = randomToken();
  // Control plane and tenant schema are two databases: the claim's transaction encloses the email's,
  // so a failed email leaves no claim; a lost control commit leaves an email whose link does not work.
  await control.transaction(async (ctx) => {
    const [verified] = await ctx
      .select({ tenantId: inboundAddresses.tenantId })
      .from(inboundAddresses)
      .where(and(eq(inboundAddresses.address, normalised), eq(inboundAddresses.status, "verified")));
    if (verified)
      throw addressError(
        "address_in_use",
        verified.tenantId === handle.tenant.id ? "This address is already confirmed for this workspace." : "This address is already in use by a workspace.",
      );
    const fresh = {
      status: "pending" as const,
      tokenHash: hashToken(token),
      tokenExpiresAt: hoursFromNow(CONFIRMATION_TTL_HOURS),
      confirmationSentAt: sql`now()`,
      confirmationMessageId: null,
      verifiedAt: null,
    };
    // A claim that another workspace's confirmation overtook may be made again once that one is gone.
    const [claim] = await ctx
      .insert(inboundAddresses)
      .values({ address: normalised, tenantId: handle.tenant.id, ...fresh })
      .onConflictDoUpdate({ target: [inboundAddresses.address, inboundAddresses.tenantId], set: fresh, setWhere: eq(inboundAddresses.status, "taken") })
      .returning({ id: inboundAddresses.id });
    if (!claim) throw addressError("address_pending", "This address is already waiting for its confirmation: use Resend below.");
    const messageId = await sendConfirmation(
      handle,
      actor,
      { address: normalised, link: confirmationLink(origin, `${claim.id}.${token}`), origin },
      "inbound_address.added",
      { address: { from: null, to: normalised } },
    );
    await ctx.update(inboundAddresses).set({ confirmationMessageId: messageId }).where(eq(inboundAddresses.id, claim.id));
  });
}

/** A new link for a pending claim (the old one stops working), at most once a minute. */
export async function resendConfirmation(control: ControlDatabase, handle: TenantHandle, actor: Actor, address: string, origin: string): Promise<void> {
  const normalised = address.trim().toLowerCase();
  const token = randomToken();
  await control.transaction(async (ctx) => {
    const [claim] = await ctx
      .select({
        id: inboundAddresses.id,
        wait: sql<number>`ceil(extract(epoch from ${inboundAddresses.confirmationSentAt} + make_interval(secs => ${RESEND_INTERVAL_SECONDS}) - now()))::int`,
      })
      .from(inboundAddresses)
      .where(and(eq(inboundAddresses.tenantId, handle.tenant.id), eq(inboundAddresses.address, normalised), eq(inboundAddresses.status, "pending")))
      .for("update");
    if (!claim) throw new AppError("not_found", "That address is not waiting for a confirmation in this workspace.");
    if (claim.wait > 0)
      throw new AppError(
        "resend_too_soon",
        `A confirmation email was sent less than a minute ago; you can send another in ${claim.wait} second${claim.wait === 1 ? "" : "s"}.`,
      );
    const messageId = await sendConfirmation(
      handle,
      actor,
      { address: normalised, link: confirmationLink(origin, `${claim.id}.${token}`), origin },
      "inbound_address.confirmation_resent",
      null,
    );
    await ctx
      .update(inboundAddresses)
      .set({
        tokenHash: hashToken(token),
        tokenExpiresAt: hoursFromNow(CONFIRMATION_TTL_HOURS),
        confirmationSentAt: sql`now()`,
        confirmationMessageId: messageId,
      })
      .where(eq(inboundAddresses.id, claim.id));
  });
}

/** Queues the confirmation email and its audit entry in one tenant transaction, within the hourly budget. */
async function sendConfirmation(
  handle: TenantHandle,
  actor: Actor,
  email: { address: string; link: string; origin: string },
  action: string,
  changes: Record<string, { from: unknown; to: unknown }> | null,
): Promise<string> {
  const { t, tenant } = handle;
  return handle.transaction(async (tx) => {
    // One sender at a time per workspace, so the counts below cannot be raced past.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`address_confirmation:${tenant.id}`}))`);
    const [sent] = await tx
      .select({ all: sql<number>`count(*)::int`, toAddress: sql<number>`count(*) filter (where ${t.outboundEmails.toAddress} = ${email.address})::int` })
      .from(t.outboundEmails)
      .where(and(eq(t.outboundEmails.kind, "address_confirmation"), sql`${t.outboundEmails.createdAt} > now() - interval '1 hour'`));
    if (sent!.toAddress >= MAX_CONFIRMATIONS_PER_ADDRESS_HOUR || sent!.all >= MAX_CONFIRMATIONS_PER_WORKSPACE_HOUR) {
      throw addressError("confirmation_budget_spent", "Too many confirmation emails were sent from this workspace in the last hour. Try again later.");
    }
    const { messageId } = await queueAddressConfirmation(
      { tx, handle, origin: email.origin },
      { address: email.address, link: email.link, expiresInHours: CONFIRMATION_TTL_HOURS },
    );
    await recordActivity(tx, t, { actorType: "agent", actorUserId: actor.id, action, entityType: "inbound_address", changes });
    return messageId;
  });
}

/** The address a confirmation link would verify in this workspace, or null for any link that cannot be used here. */
export async function findClaimForToken(
  control: ControlDatabase,
  { tenant }: Pick<TenantHandle, "tenant">,
  token: string,
): Promise<{ address: string } | null> {
  const parsed = confirmationTokenSchema.safeParse(token);
  if (!parsed.success) return null;
  const [claim] = await control
    .select()
    .from(inboundAddresses)
    .where(and(eq(inboundAddresses.id, parsed.data.claimId), eq(inboundAddresses.tenantId, tenant.id)));
  return claim && usableToken(claim, parsed.data.secret) ? { address: claim.address } : null;
}

/** Verifies the workspace's claim named by a confirmation link. Single use; the link must be opened in the claiming workspace. */
export async function verifyInboundAddress(control: ControlDatabase, handle: TenantHandle, actor: Actor, token: string): Promise<{ address: string }> {
  const parsed = confirmationTokenSchema.safeParse(token);
  if (!parsed.success) throw invalidLink();
  const [claim] = await control
    .select({ address: inboundAddresses.address })
    .from(inboundAddresses)
    .where(and(eq(inboundAddresses.id, parsed.data.claimId), eq(inboundAddresses.tenantId, handle.tenant.id)));
  if (!claim) throw invalidLink();
  return decideClaim(control, handle, actor, claim.address, (mine) => mine.id === parsed.data.claimId && usableToken(mine, parsed.data.secret), "link");
}

/**
 * Verifies a pending claim whose confirmation email came back into this workspace's own inbound
 * mail (forwarded, Message-ID intact): the same proof as the link, for forwarding that keeps no copy
 * a person could open. Processing drops the returned email as one of our own, so it never becomes a ticket.
 */
export async function verifyByReturnedConfirmation(
  control: ControlDatabase,
  handle: TenantHandle,
  actor: Actor,
  address: string,
): Promise<{ address: string }> {
  const normalised = address.trim().toLowerCase();
  const [claim] = await control
    .select({ messageId: inboundAddresses.confirmationMessageId })
    .from(inboundAddresses)
    .where(and(eq(inboundAddresses.tenantId, handle.tenant.id), eq(inboundAddresses.address, normalised), eq(inboundAddresses.status, "pending")));
  if (!claim?.messageId) throw new AppError("not_found", "That address is not waiting for a confirmation in this workspace.");
  const { db, t } = handle;
  const [returned] = await db.select({ id: t.inboundEmails.id }).from(t.inboundEmails).where(eq(t.inboundEmails.dedupeKey, claim.messageId)).limit(1);
  if (!returned)
    throw new AppError(
      "confirmation_not_returned",
      "The confirmation email has not reached this workspace yet. Check the address's forwarding, or open the link in the email.",
    );
  return decideClaim(
    control,
    handle,
    actor,
    normalised,
    (mine) => mine.confirmationMessageId === claim.messageId && mine.tokenExpiresAt !== null && mine.tokenExpiresAt > new Date(),
    "returned_email",
  );
}

function usableToken(claim: ClaimRow, secret: string): boolean {
  return (
    claim.status === "pending" &&
    claim.tokenHash !== null &&
    claim.tokenExpiresAt !== null &&
    claim.tokenExpiresAt > new Date() &&
    constantTimeEqual(hashToken(secret), claim.tokenHash)
  );
}

/**
 * First to verify wins: every claim on the address is locked (in id order, so two verifications
 * queue up rather than deadlock), the winner becomes `verified` and the other pending claims `taken`.
 * The partial unique index on verified addresses holds even against a claim this lock did not see.
 */
async function decideClaim(
  control: ControlDatabase,
  handle: TenantHandle,
  actor: Actor,
  address: string,
  proves: (claim: ClaimRow) => boolean,
  proof: "link" | "returned_email",
): Promise<{ address: string }> {
  let outcome: "verified" | "taken" | "invalid";
  try {
    outcome = await control.transaction(async (ctx) => {
      const claims = await ctx.select().from(inboundAddresses).where(eq(inboundAddresses.address, address)).orderBy(asc(inboundAddresses.id)).for("update");
      const mine = claims.find((claim) => claim.tenantId === handle.tenant.id);
      if (mine?.status === "taken") return "taken";
      if (mine?.status === "pending" && claims.some((claim) => claim.status === "verified")) {
        await markTaken(ctx, eq(inboundAddresses.id, mine.id));
        return "taken";
      }
      if (!mine || !proves(mine)) return "invalid";
      await ctx
        .update(inboundAddresses)
        .set({ status: "verified", verifiedAt: sql`now()`, tokenHash: null, tokenExpiresAt: null })
        .where(eq(inboundAddresses.id, mine.id));
      await markTaken(ctx, and(eq(inboundAddresses.address, address), ne(inboundAddresses.id, mine.id), eq(inboundAddresses.status, "pending")));
      return "verified";
    });
  } catch (error) {
    if (!isVerifiedAddressConflict(error)) throw error;
    await markTaken(
      control,
      and(eq(inboundAddresses.address, address), eq(inboundAddresses.tenantId, handle.tenant.id), eq(inboundAddresses.status, "pending")),
    );
    outcome = "taken";
  }
  if (outcome === "invalid") throw invalidLink();
  if (outcome === "taken") throw takenError(address);
  await recordActivity(handle.db, handle.t, {
    actorType: "agent",
    actorUserId: actor.id,
    action: "inbound_address.verified",
    entityType: "inbound_address",
    changes: { address: { from: null, to: address }, proof: { from: null, to: proof } },
  });
  return { address };
}

async function markTaken(db: ControlDatabase | ControlTransaction, where: SQL | undefined) {
  await db.update(inboundAddresses).set({ status: "taken", tokenHash: null, tokenExpiresAt: null }).where(where);
}

function isVerifiedAddressConflict(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  return (cause as { code?: string }).code === "23505" && (cause as { constraint?: string }).constraint === "inbound_addresses_verified_address_key";
}

const hoursFromNow = (hours: number) => sql`now() + make_interval(hours => ${hours})`;

export async function removeInboundAddress(control: ControlDatabase, handle: TenantHandle, actor: Actor, address: string): Promise<boolean> {
  const normalised = address.trim().toLowerCase();
  const removed = await control
    .delete(inboundAddresses)
    .where(and(eq(inboundAddresses.address, normalised), eq(inboundAddresses.tenantId, handle.tenant.id)))
    .returning({ address: inboundAddresses.address });
  if (removed.length === 0) return false;
  await recordActivity(handle.db, handle.t, {
    actorType: "agent",
    actorUserId: actor.id,
    action: "inbound_address.removed",
    entityType: "inbound_address",
    changes: { address: { from: normalised, to: null } },
  });
  return true;
}

export type FailedInboundEmail = { id: number; from: string | null; subject: string | null; reason: string | null; receivedAt: Date; attempts: number };

/** Only the start of each raw message is read: enough for the From and Subject headers. */
const HEADER_PREFIX_BYTES = 16 * 1024;

function headerValue(headerText: string, name: string): string | null {
  const head = headerText.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const line = head.split(/\r?\n/).find((candidate) => candidate.toLowerCase().startsWith(`${name}:`));
  const value = line?.slice(name.length + 1).trim();
  // Shown as plain text, cut short; encoded words are shown as sent (the processing side decodes them properly).
  return value ? value.replace(/[\x00-\x1f\x7f]/g, " ").slice(0, 200) : null;
}

export async function listFailedInboundEmails({ db, t }: TenantHandle, limit = 50): Promise<FailedInboundEmail[]> {
  const rows = await db
    .select({
      id: t.inboundEmails.id,
      envelopeFrom: t.inboundEmails.envelopeFrom,
      reason: t.inboundEmails.failureReason,
      receivedAt: t.inboundEmails.receivedAt,
      attempts: t.inboundEmails.attempts,
      head: sql<Buffer>`substring(${t.inboundEmails.raw} from 1 for ${HEADER_PREFIX_BYTES})`.as("head"),
    })
    .from(t.inboundEmails)
    .where(eq(t.inboundEmails.status, "failed"))
    .orderBy(desc(t.inboundEmails.id))
    .limit(limit);
  return rows.map((row) => ({
    id: row.id,
    from: headerValue(Buffer.from(row.head).toString("utf8"), "from") ?? row.envelopeFrom,
    subject: headerValue(Buffer.from(row.head).toString("utf8"), "subject"),
    reason: row.reason,
    receivedAt: row.receivedAt,
    attempts: row.attempts,
  }));
}

/** Puts a failed email back in the queue: status, reason and job change together or not at all. */
export async function retryInboundEmail(handle: TenantHandle, actor: { id: number }, inboundEmailId: number): Promise<boolean> {
  const { t, tenant } = handle;
  return handle.transaction(async (tx) => {
    const [row] = await tx
      .update(t.inboundEmails)
      .set({ status: "received", failureReason: null })
      .where(and(eq(t.inboundEmails.id, inboundEmailId), eq(t.inboundEmails.status, "failed")))
      .returning({ id: t.inboundEmails.id });
    if (!row) return false;
    await enqueueInboundProcessing(tx, tenant, row.id);
    await recordActivity(tx, t, { actorType: "agent", actorUserId: actor.id, action: "inbound_email.retried", entityType: "inbound_email", entityId: row.id });
    return true;
  });
}
