import { and, asc, desc, eq, sql } from "drizzle-orm";
import * as z from "zod";
import { inboundAddresses } from "../../db/control-schema";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { ControlDatabase } from "../../tenancy/control-plane";
import { recordActivity } from "../activity/activity-log.server";
import { isInInboundDomain } from "./inbound-routing.server";
import { enqueueInboundProcessing } from "./inbound-store.server";

export const inboundAddressSchema = z.object({
  address: z
    .string({ error: "Enter an email address." })
    .trim()
    .toLowerCase()
    .max(254, "An email address has at most 254 characters.")
    .pipe(z.email("Enter an email address such as help@example.com.")),
});

export class InboundAddressError extends Error {}

export async function listInboundAddresses(control: ControlDatabase, { tenant }: Pick<TenantHandle, "tenant">): Promise<string[]> {
  const rows = await control.select({ address: inboundAddresses.address }).from(inboundAddresses).where(eq(inboundAddresses.tenantId, tenant.id)).orderBy(asc(inboundAddresses.address));
  return rows.map((row) => row.address);
}

/**
 * Routes mail for `address` to the tenant. Unique across the deployment (the control-plane key);
 * addresses under INBOUND_DOMAIN are refused, as they already name a workspace by their slug.
 */
export async function addInboundAddress(
  control: ControlDatabase,
  handle: TenantHandle,
  actor: { id: number },
  address: string,
  inboundDomain: string | null,
  reservedDomains: string[] = [],
): Promise<void> {
  const normalised = address.trim().toLowerCase();
  if (isInInboundDomain(normalised, inboundDomain)) throw new InboundAddressError(`Addresses at ${inboundDomain} are given by the workspace name; add an address at your own domain.`);
  // The deployment's own domains (app, sender) belong to no workspace: claiming one would capture mail meant for Conductor.
  if (reservedDomains.some((domain) => isInInboundDomain(normalised, domain.toLowerCase()))) throw new InboundAddressError("Addresses at this service's own domain cannot be added; add an address at your own domain.");
  const inserted = await control.insert(inboundAddresses).values({ address: normalised, tenantId: handle.tenant.id }).onConflictDoNothing().returning({ address: inboundAddresses.address });
  if (inserted.length === 0) throw new InboundAddressError("This address is already in use by a workspace.");
  // The address lives in the control plane, the audit entry in the tenant's schema: two databases, so two writes.
  await recordActivity(handle.db, handle.t, { actorType: "agent", actorUserId: actor.id, action: "inbound_address.added", entityType: "inbound_address", changes: { address: { from: null, to: normalised } } });
}

export async function removeInboundAddress(control: ControlDatabase, handle: TenantHandle, actor: { id: number }, address: string): Promise<boolean> {
  const normalised = address.trim().toLowerCase();
  const removed = await control
    .delete(inboundAddresses)
    .where(and(eq(inboundAddresses.address, normalised), eq(inboundAddresses.tenantId, handle.tenant.id)))
    .returning({ address: inboundAddresses.address });
  if (removed.length === 0) return false;
  await recordActivity(handle.db, handle.t, { actorType: "agent", actorUserId: actor.id, action: "inbound_address.removed", entityType: "inbound_address", changes: { address: { from: normalised, to: null } } });
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
