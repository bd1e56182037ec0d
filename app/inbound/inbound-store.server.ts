import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { TenantTransaction } from "../../tenancy/connection-router";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { PROCESS_INBOUND_EMAIL_TASK, type ProcessInboundEmailPayload } from "./inbound-jobs";

export type InboundDelivery = {
  raw: Buffer;
  via: "smtp" | "http";
  envelopeFrom: string | null;
  /** The recipients of this tenant, as given in the envelope (reply tokens included). */
  envelopeTo: string[];
};

/** Headers longer than this are not worth reading for a Message-ID; the hash is used instead. */
const HEADER_SCAN_LIMIT = 256 * 1024;

/** The header block: everything before the first empty line (CRLF or bare LF). */
function headerBlock(raw: Buffer): string {
  const scan = raw.subarray(0, HEADER_SCAN_LIMIT);
  const crlf = scan.indexOf("\r\n\r\n");
  const lf = scan.indexOf("\n\n");
  const ends = [crlf, lf].filter((index) => index >= 0);
  const end = ends.length > 0 ? Math.min(...ends) : scan.length;
  return scan.subarray(0, end).toString("latin1");
}

/** The Message-ID header, normalised to `<id>`, or null when absent or unusable. */
export function messageIdOf(raw: Buffer): string | null {
  const unfolded = headerBlock(raw).replace(/\r?\n[ \t]+/g, " ");
  for (const line of unfolded.split(/\r?\n/)) {
    const match = /^message-id[ \t]*:(.*)$/i.exec(line);
    if (!match) continue;
    const value = match[1]!.trim();
    const id = (/<([^<>\s]+)>/.exec(value)?.[1] ?? value).trim();
    // An id with spaces or control characters, or an absurd length, is not something to trust as a key.
    if (!id || id.length > 900 || /[\s\x00-\x1f\x7f<>]/.test(id)) return null;
    return `<${id}>`;
  }
  return null;
}

/** One delivery, one row: the Message-ID, or the hash of the bytes when there is none. */
export function dedupeKeyOf(raw: Buffer): string {
  return messageIdOf(raw) ?? `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

export async function enqueueInboundProcessing(tx: TenantTransaction, tenant: TenantRecord, inboundEmailId: number): Promise<void> {
  const payload: ProcessInboundEmailPayload = { tenantId: tenant.id, inboundEmailId };
  await tx.execute(sql`select graphile_worker.add_job(${PROCESS_INBOUND_EMAIL_TASK}, ${JSON.stringify(payload)}::json, max_attempts := 25)`);
}

/**
 * Stores the raw message in the tenant's schema and enqueues its processing in one transaction;
 * callers acknowledge the delivery (SMTP 250, HTTP 202) only after this resolves. A message whose
 * dedupe key is already stored is not stored or enqueued again: the existing id is returned.
 */
export async function storeInboundEmail(platform: Platform, tenant: TenantRecord, delivery: InboundDelivery): Promise<{ id: number; duplicate: boolean }> {
  const handle = platform.router.forTenant(tenant);
  const { t } = handle;
  const dedupeKey = dedupeKeyOf(delivery.raw);
  return handle.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(t.inboundEmails)
      .values({
        dedupeKey,
        raw: delivery.raw,
        sizeBytes: delivery.raw.length,
        receivedVia: delivery.via,
        envelopeFrom: delivery.envelopeFrom || null,
        envelopeTo: delivery.envelopeTo,
      })
      .onConflictDoNothing({ target: t.inboundEmails.dedupeKey })
      .returning({ id: t.inboundEmails.id });
    if (inserted) {
      await enqueueInboundProcessing(tx, tenant, inserted.id);
      return { id: inserted.id, duplicate: false };
    }
    const [existing] = await tx.select({ id: t.inboundEmails.id }).from(t.inboundEmails).where(eq(t.inboundEmails.dedupeKey, dedupeKey)).limit(1);
    if (!existing) throw new Error("inbound email conflicted on its dedupe key but no row has it");
    return { id: existing.id, duplicate: true };
  });
}
