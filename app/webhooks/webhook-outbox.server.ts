import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { WEBHOOK_MAX_ATTEMPTS, type WebhookEvent } from "./webhook-events";

/** The job that sends one delivery; its payload names the tenant and the delivery row. */
export const DELIVER_WEBHOOK_TASK = "deliver_webhook";
export type DeliverWebhookPayload = { tenantId: string; deliveryId: number };

type Outbox = { tx: TenantTransaction; handle: Pick<TenantHandle, "t" | "tenant"> };

/**
 * Writes one delivery per active webhook that wants `event`, with its sending job, in the
 * transaction of the change: the event is delivered if and only if the change committed. `data` is
 * only built when some webhook listens. Each webhook's jobs share a graphile-worker queue, so one
 * endpoint gets one request at a time (a slow or large backlog cannot take every worker slot from
 * the email queue) in the order its events happened.
 */
export async function queueWebhookEvent({ tx, handle }: Outbox, event: WebhookEvent, data: () => Promise<Record<string, unknown>>): Promise<number> {
  const { t, tenant } = handle;
  const listening = await tx
    .select({ id: t.webhooks.id })
    .from(t.webhooks)
    .where(and(eq(t.webhooks.active, true), sql`${event} = any(${t.webhooks.events})`));
  if (listening.length === 0) return 0;
  const payload = { type: event, timestamp: new Date().toISOString(), data: await data() };
  const rows = await tx
    .insert(t.webhookDeliveries)
    .values(listening.map((webhook) => ({ webhookId: webhook.id, messageId: `msg_${randomUUID()}`, event, payload })))
    .returning({ id: t.webhookDeliveries.id, webhookId: t.webhookDeliveries.webhookId });
  for (const row of rows) await addDeliveryJob(tx, tenant.id, row);
  return rows.length;
}

/** Enqueues (again) the sending of a delivery row, in the caller's transaction. */
export async function addDeliveryJob(tx: TenantTransaction, tenantId: string, delivery: { id: number; webhookId: number }): Promise<void> {
  const payload: DeliverWebhookPayload = { tenantId, deliveryId: delivery.id };
  await tx.execute(
    sql`select graphile_worker.add_job(${DELIVER_WEBHOOK_TASK}, ${JSON.stringify(payload)}::json,
      queue_name := ${`webhook:${tenantId}:${delivery.webhookId}`}, max_attempts := ${WEBHOOK_MAX_ATTEMPTS})`,
  );
}
