import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import { AppError, fieldError, notFound } from "../app-error";
import { decryptSecret, encryptSecret } from "../auth/secret-box.server";
import { normaliseHostName, refusalFor } from "../net/outbound-address-policy.server";
import type { OutboundPolicy } from "../net/outbound-http.server";
import { addDeliveryJob } from "./webhook-outbox.server";
import type { WebhookEvent } from "./webhook-events";
import type { WebhookInput } from "./webhook-schema";
import { newWebhookSecret } from "./webhook-signing.server";

/**
 * The workspace's outbound webhooks (`/settings/webhooks`, admins): endpoints, the events they want,
 * their signing secrets and delivery logs. Sending is the `deliver_webhook` job's.
 */

export type WebhookSummary = {
  id: number;
  url: string;
  description: string;
  events: WebhookEvent[];
  active: boolean;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** The latest delivery's outcome, if any. */
  lastDelivery: { status: DeliveryStatus; responseStatus: number | null; createdAt: Date } | null;
};
type DeliveryStatus = "pending" | "delivered" | "failed";

export type WebhookDelivery = {
  id: number;
  messageId: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  responseExcerpt: string | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  payload: Record<string, unknown>;
};

type Deps = { sessionSecret: string; outbound: OutboundPolicy };

const MAX_WEBHOOKS = 20;
const webhookNotFound = () => notFound("That webhook");

function summaryColumns(t: TenantHandle["t"]) {
  const w = t.webhooks;
  return {
    id: w.id,
    url: w.url,
    description: w.description,
    events: w.events,
    active: w.active,
    disabledReason: w.disabledReason,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

/** Every webhook, oldest first, with its latest delivery's outcome. */
export async function listWebhooks({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<WebhookSummary[]> {
  const rows = await db
    .select({
      ...summaryColumns(t),
      latest: sql<{ status: DeliveryStatus; responseStatus: number | null; createdAt: string } | null>`(
        select json_build_object('status', d.status, 'responseStatus', d.response_status, 'createdAt', d.created_at)
        from ${t.webhookDeliveries} d where d.webhook_id = ${t.webhooks}.id order by d.id desc limit 1)`,
    })
    .from(t.webhooks)
    .orderBy(t.webhooks.id);
  return rows.map(({ latest, ...row }) => ({
    ...row,
    events: row.events as WebhookEvent[],
    lastDelivery: latest ? { ...latest, createdAt: new Date(latest.createdAt) } : null,
  }));
}

export async function getWebhook({ db, t }: Pick<TenantHandle, "db" | "t">, id: number): Promise<Omit<WebhookSummary, "lastDelivery">> {
  const [row] = await db.select(summaryColumns(t)).from(t.webhooks).where(eq(t.webhooks.id, id));
  if (!row) throw webhookNotFound();
  return { ...row, events: row.events as WebhookEvent[] };
}

/** The signing secret, for the admin to configure the receiver. */
export async function revealWebhookSecret({ db, t }: Pick<TenantHandle, "db" | "t">, sessionSecret: string, id: number): Promise<string> {
  const [row] = await db.select({ sealedSecret: t.webhooks.sealedSecret }).from(t.webhooks).where(eq(t.webhooks.id, id));
  if (!row) throw webhookNotFound();
  return decryptSecret(sessionSecret, row.sealedSecret);
}

export async function createWebhook(handle: TenantHandle, actor: Actor, deps: Deps, input: WebhookInput): Promise<number> {
  const { t } = handle;
  assertReachableUrl(input.url, deps.outbound);
  return handle.transaction(async (tx) => {
    await tx.execute(sql`lock table ${t.webhooks} in share row exclusive mode`);
    const [{ count } = { count: 0 }] = await tx.select({ count: sql<number>`count(*)::int` }).from(t.webhooks);
    if (count >= MAX_WEBHOOKS) throw new AppError("conflict", `A workspace can have at most ${MAX_WEBHOOKS} webhooks. Delete one you no longer use.`);
    const [row] = await tx
      .insert(t.webhooks)
      .values({
        url: input.url,
        description: input.description,
        events: input.events,
        active: input.active,
        sealedSecret: encryptSecret(deps.sessionSecret, newWebhookSecret()),
      })
      .returning({ id: t.webhooks.id });
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "webhook.created",
      entityType: "webhook",
      entityId: row!.id,
      changes: { url: { from: null, to: input.url }, events: { from: null, to: input.events } },
    });
    return row!.id;
  });
}

/** Saves what changed; switching a webhook on clears why Conductor had switched it off. */
export async function updateWebhook(handle: TenantHandle, actor: Actor, deps: Deps, id: number, input: WebhookInput): Promise<void> {
  const { t } = handle;
  assertReachableUrl(input.url, deps.outbound);
  await handle.transaction(async (tx) => {
    const [current] = await tx.select(summaryColumns(t)).from(t.webhooks).where(eq(t.webhooks.id, id)).for("update");
    if (!current) throw webhookNotFound();
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const field of ["url", "description", "events", "active"] as const) {
      if (JSON.stringify(current[field]) !== JSON.stringify(input[field])) changes[field] = { from: current[field], to: input[field] };
    }
    if (Object.keys(changes).length === 0) return;
    await tx
      .update(t.webhooks)
      .set({
        url: input.url,
        description: input.description,
        events: input.events,
        active: input.active,
        ...(input.active ? { disabledReason: null } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(t.webhooks.id, id));
    await recordActivity(tx, t, { ...actorColumns(actor), action: "webhook.updated", entityType: "webhook", entityId: id, changes });
  });
}

/** A new signing secret; the old one stops working at once. */
export async function rotateWebhookSecret(handle: TenantHandle, actor: Actor, deps: Pick<Deps, "sessionSecret">, id: number): Promise<void> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    const [row] = await tx
      .update(t.webhooks)
      .set({ sealedSecret: encryptSecret(deps.sessionSecret, newWebhookSecret()), updatedAt: sql`now()` })
      .where(eq(t.webhooks.id, id))
      .returning({ id: t.webhooks.id });
    if (!row) throw webhookNotFound();
    await recordActivity(tx, t, { ...actorColumns(actor), action: "webhook.secret_rotated", entityType: "webhook", entityId: id });
  });
}

export async function deleteWebhook(handle: TenantHandle, actor: Actor, id: number): Promise<{ url: string }> {
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const [row] = await tx.delete(t.webhooks).where(eq(t.webhooks.id, id)).returning({ url: t.webhooks.url });
    if (!row) throw webhookNotFound();
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "webhook.deleted",
      entityType: "webhook",
      entityId: id,
      changes: { url: { from: row.url, to: null } },
    });
    return row;
  });
}

/** The newest deliveries of a webhook, 50 at a time (`before`: the last id of the previous page). */
export async function listDeliveries({ db, t }: Pick<TenantHandle, "db" | "t">, webhookId: number, before?: number, limit = 50): Promise<WebhookDelivery[]> {
  return (await db
    .select({
      id: t.webhookDeliveries.id,
      messageId: t.webhookDeliveries.messageId,
      event: t.webhookDeliveries.event,
      status: t.webhookDeliveries.status,
      attempts: t.webhookDeliveries.attempts,
      responseStatus: t.webhookDeliveries.responseStatus,
      durationMs: t.webhookDeliveries.durationMs,
      responseExcerpt: t.webhookDeliveries.responseExcerpt,
      lastError: t.webhookDeliveries.lastError,
      lastAttemptAt: t.webhookDeliveries.lastAttemptAt,
      deliveredAt: t.webhookDeliveries.deliveredAt,
      createdAt: t.webhookDeliveries.createdAt,
      payload: t.webhookDeliveries.payload,
    })
    .from(t.webhookDeliveries)
    .where(and(eq(t.webhookDeliveries.webhookId, webhookId), before ? lt(t.webhookDeliveries.id, before) : undefined))
    .orderBy(desc(t.webhookDeliveries.id))
    .limit(limit)) as WebhookDelivery[];
}

/** Queues a `webhook.test` event to this webhook alone (also when it is switched off: testing is how it comes back). */
export async function sendTestDelivery(handle: TenantHandle, actor: Actor, id: number): Promise<number> {
  const { t, tenant } = handle;
  return handle.transaction(async (tx) => {
    const [webhook] = await tx.select({ id: t.webhooks.id, active: t.webhooks.active }).from(t.webhooks).where(eq(t.webhooks.id, id)).for("update");
    if (!webhook) throw webhookNotFound();
    if (!webhook.active) throw new AppError("conflict", "Switch the webhook on first: deliveries to a switched-off webhook are not sent.");
    const payload = { type: "webhook.test", timestamp: new Date().toISOString(), data: { workspace: tenant.slug } };
    const [row] = await tx
      .insert(t.webhookDeliveries)
      .values({ webhookId: id, messageId: `msg_${randomUUID()}`, event: "webhook.test", payload })
      .returning({ id: t.webhookDeliveries.id, webhookId: t.webhookDeliveries.webhookId });
    await addDeliveryJob(tx, tenant.id, row!);
    await recordActivity(tx, t, { ...actorColumns(actor), action: "webhook.test_sent", entityType: "webhook", entityId: id });
    return row!.id;
  });
}

/** Sends a finished delivery again, with the same webhook-id (receivers de-duplicate on it) and a fresh run of attempts. */
export async function redeliver(handle: TenantHandle, actor: Actor, webhookId: number, deliveryId: number): Promise<void> {
  const { t, tenant } = handle;
  await handle.transaction(async (tx) => {
    const [webhook] = await tx.select({ active: t.webhooks.active }).from(t.webhooks).where(eq(t.webhooks.id, webhookId)).for("update");
    if (!webhook) throw webhookNotFound();
    if (!webhook.active) throw new AppError("conflict", "Switch the webhook on first: deliveries to a switched-off webhook are not sent.");
    const [row] = await tx
      .update(t.webhookDeliveries)
      .set({ status: "pending", deliveredAt: null })
      .where(and(eq(t.webhookDeliveries.id, deliveryId), eq(t.webhookDeliveries.webhookId, webhookId), sql`${t.webhookDeliveries.status} <> 'pending'`))
      .returning({ id: t.webhookDeliveries.id, webhookId: t.webhookDeliveries.webhookId });
    if (!row) {
      const [exists] = await tx
        .select({ id: t.webhookDeliveries.id })
        .from(t.webhookDeliveries)
        .where(and(eq(t.webhookDeliveries.id, deliveryId), eq(t.webhookDeliveries.webhookId, webhookId)));
      throw exists ? new AppError("conflict", "That delivery is still being sent.") : notFound("That delivery");
    }
    await addDeliveryJob(tx, tenant.id, row);
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "webhook.redelivered",
      entityType: "webhook",
      entityId: webhookId,
      changes: { delivery: { from: null, to: deliveryId } },
    });
  });
}

/**
 * Refused at once what every delivery would refuse: plain http where https is required, and an
 * address that is not public written into the URL. A name is checked at each delivery (its
 * addresses can change), by the outbound client.
 */
function assertReachableUrl(value: string, outbound: OutboundPolicy): void {
  const url = new URL(value);
  if (outbound.requireHttps && url.protocol !== "https:") throw fieldError("url", "Use an https:// URL: events carry customers' data.");
  const host = normaliseHostName(url.hostname.replace(/^\[(.*)\]$/, "$1"));
  const refusal = isIP(host) || host === "localhost" ? refusalFor(host === "localhost" ? "127.0.0.1" : host, host, outbound.allowList) : null;
  if (refusal) throw fieldError("url", `${url.hostname} is ${refusal}, which Conductor does not send events to. Use the endpoint's public address.`);
}
