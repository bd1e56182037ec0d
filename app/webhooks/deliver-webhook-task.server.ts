import { and, eq, gt, sql } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import type { Logger } from "pino";
import * as z from "zod";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { decryptSecret } from "../auth/secret-box.server";
import { queueWebhookDisabledEmail } from "../email/webhook-disabled-email.server";
import { describeJobError, openTenantJob } from "../jobs/tenant-job.server";
import { safeFetch, type OutboundPolicy } from "../net/outbound-http.server";
import { DELIVER_WEBHOOK_TASK, type DeliverWebhookPayload } from "./webhook-outbox.server";
import { webhookHeaders } from "./webhook-signing.server";

export type DeliverWebhookDeps = {
  platform: Pick<Platform, "control" | "router">;
  outbound: OutboundPolicy;
  sessionSecret: string;
  /** The workspace's own address, for the link in the "switched off" email. */
  originFor: (tenant: TenantRecord) => string;
  log: Pick<Logger, "info" | "warn" | "error">;
};

const DELIVER_WEBHOOK_JOB = {
  task: DELIVER_WEBHOOK_TASK,
  subject: "webhook delivery",
  payloadSchema: z.object({ tenantId: z.string().min(1), deliveryId: z.number().int().positive() }) satisfies z.ZodType<DeliverWebhookPayload>,
};

const TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const EXCERPT_CHARS = 2_000;

type Attempt = { ok: boolean; status: number | null; excerpt: string | null; error: string | null; durationMs: number };

/**
 * The `deliver_webhook` job: one POST of one delivery, signed (Standard Webhooks), through the
 * outbound client (public addresses only, no redirects, time and size caps). A 2xx marks it
 * delivered; anything else is recorded and rethrown for graphile-worker's backoff, and the last
 * attempt marks it failed. A delivery that failed for good while nothing else got through since it
 * was written switches the webhook off and tells the admins. A retried job finds the row no longer
 * pending and does nothing, so an event is sent once per attempt, never twice after a success.
 */
export function deliverWebhookTask(deps: DeliverWebhookDeps) {
  const { platform, outbound, sessionSecret, log } = deps;
  return async (rawPayload: unknown, helpers: JobHelpers): Promise<void> => {
    const job = await openTenantJob(DELIVER_WEBHOOK_JOB, rawPayload, helpers, { platform, log });
    if (!job) return;
    const { tenant, handle } = job;
    const { db, t } = handle;
    const [row] = await db
      .select({
        id: t.webhookDeliveries.id,
        status: t.webhookDeliveries.status,
        messageId: t.webhookDeliveries.messageId,
        payload: t.webhookDeliveries.payload,
        createdAt: t.webhookDeliveries.createdAt,
        webhookId: t.webhooks.id,
        url: t.webhooks.url,
        active: t.webhooks.active,
        sealedSecret: t.webhooks.sealedSecret,
      })
      .from(t.webhookDeliveries)
      .innerJoin(t.webhooks, eq(t.webhooks.id, t.webhookDeliveries.webhookId))
      .where(eq(t.webhookDeliveries.id, job.payload.deliveryId));
    if (!row || row.status !== "pending") return;
    const stillPending = and(eq(t.webhookDeliveries.id, row.id), eq(t.webhookDeliveries.status, "pending"));
    if (!row.active) {
      await db.update(t.webhookDeliveries).set({ status: "failed", lastError: "The webhook is switched off." }).where(stillPending);
      return;
    }

    const attempt = await post(outbound, row.url, decryptSecret(sessionSecret, row.sealedSecret), row.messageId, JSON.stringify(row.payload));
    const givingUp = !attempt.ok && helpers.job.attempts >= helpers.job.max_attempts;
    await db
      .update(t.webhookDeliveries)
      .set({
        attempts: sql`${t.webhookDeliveries.attempts} + 1`,
        lastAttemptAt: sql`now()`,
        responseStatus: attempt.status,
        durationMs: attempt.durationMs,
        responseExcerpt: attempt.excerpt,
        lastError: attempt.error,
        ...(attempt.ok ? { status: "delivered" as const, deliveredAt: sql`now()` } : givingUp ? { status: "failed" as const } : {}),
      })
      .where(stillPending);
    const fields = { tenant: tenant.slug, deliveryId: row.id, webhookId: row.webhookId, attempt: helpers.job.attempts, status: attempt.status };
    if (attempt.ok) {
      log.info(fields, "webhook delivered");
      return;
    }
    if (givingUp) {
      log.error({ ...fields, error: attempt.error }, `webhook delivery failed after ${helpers.job.attempts} attempts`);
      await switchOffIfNothingGetsThrough(deps, tenant, row);
      return;
    }
    log.warn({ ...fields, error: attempt.error }, "webhook delivery failed; will retry");
    throw new Error(attempt.error ?? `answered ${attempt.status}`);
  };
}

async function post(outbound: OutboundPolicy, url: string, secret: string, messageId: string, body: string): Promise<Attempt> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await safeFetch(outbound, url, {
      method: "POST",
      headers: webhookHeaders(secret, messageId, body),
      body,
      timeoutMs: TIMEOUT_MS,
      maxBytes: MAX_RESPONSE_BYTES,
      // A receiver answers; a redirect is a misconfigured URL, not a place to send events.
      maxRedirects: 0,
    });
    const excerpt = (await response.text()).slice(0, EXCERPT_CHARS);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, excerpt, error: ok ? null : `The endpoint answered ${response.status}.`, durationMs: elapsed() };
  } catch (error) {
    return { ok: false, status: null, excerpt: null, error: describeJobError(error), durationMs: elapsed() };
  }
}

/** Sustained failure: a delivery ran out of attempts (about 9½ hours) and no delivery succeeded since it was written. */
async function switchOffIfNothingGetsThrough(
  { platform, originFor }: DeliverWebhookDeps,
  tenant: TenantRecord,
  delivery: { webhookId: number; url: string; createdAt: Date },
): Promise<void> {
  const handle = platform.router.forTenant(tenant);
  const { t } = handle;
  await handle.transaction(async (tx) => {
    const [webhook] = await tx.select({ active: t.webhooks.active }).from(t.webhooks).where(eq(t.webhooks.id, delivery.webhookId)).for("update");
    if (!webhook?.active) return;
    const [success] = await tx
      .select({ id: t.webhookDeliveries.id })
      .from(t.webhookDeliveries)
      .where(
        and(
          eq(t.webhookDeliveries.webhookId, delivery.webhookId),
          eq(t.webhookDeliveries.status, "delivered"),
          gt(t.webhookDeliveries.deliveredAt, delivery.createdAt),
        ),
      )
      .limit(1);
    if (success) return;
    const reason = `no delivery has succeeded since ${delivery.createdAt.toISOString()}, and one has now failed on every attempt.`;
    await tx
      .update(t.webhooks)
      .set({ active: false, disabledReason: reason, updatedAt: sql`now()` })
      .where(eq(t.webhooks.id, delivery.webhookId));
    await queueWebhookDisabledEmail({ tx, handle, origin: originFor(tenant) }, { id: delivery.webhookId, url: delivery.url }, reason);
  });
}
