import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { addDeliveryJob } from "../webhooks/webhook-outbox.server";

/**
 * A trigger's "call a webhook": one delivery to the chosen webhook, whatever events it subscribes
 * to, with the event `trigger.<name>`, written to the same durable outbox as queueWebhookEvent (and
 * sent, signed and retried by the same job) in the transaction of the change.
 * Returns false when the webhook no longer exists or is switched off.
 */
export async function queueTriggerWebhook(
  tx: TenantTransaction,
  handle: Pick<TenantHandle, "t" | "tenant">,
  webhookId: number,
  triggerName: string,
  data: () => Promise<Record<string, unknown>>,
): Promise<boolean> {
  const { t, tenant } = handle;
  const [webhook] = await tx.select({ id: t.webhooks.id, active: t.webhooks.active }).from(t.webhooks).where(eq(t.webhooks.id, webhookId));
  if (!webhook?.active) return false;
  const event = `trigger.${triggerName}`;
  const payload = { type: event, timestamp: new Date().toISOString(), data: await data() };
  const [row] = await tx
    .insert(t.webhookDeliveries)
    .values({ webhookId, messageId: `msg_${randomUUID()}`, event, payload })
    .returning({ id: t.webhookDeliveries.id, webhookId: t.webhookDeliveries.webhookId });
  await addDeliveryJob(tx, tenant.id, row!);
  return true;
}
