import type { TenantHandle } from "../../tenancy/connection-router";
import type { Actor } from "../activity/actor";
import { AppError, notFound } from "../app-error";
import { decodeCursor, encodeCursor, type Page } from "../pagination.server";
import { rowIdParam } from "../route-params";
import type { WebhookInput } from "./webhook-schema";
import { getWebhook, listDeliveries, listWebhooks, updateWebhook, type WebhookDelivery, type WebhookSummary } from "./webhooks.server";

/**
 * What the JSON API needs beyond the settings screens' calls: one webhook with its latest delivery,
 * changes to some fields only, and deliveries paged with the API's opaque cursors.
 */

type Deps = Parameters<typeof updateWebhook>[2];

/** One webhook as the list shows it (a workspace has at most 20, so reading the list is cheap). */
export async function findWebhook(handle: Pick<TenantHandle, "db" | "t">, id: number): Promise<WebhookSummary> {
  const webhook = (await listWebhooks(handle)).find((row) => row.id === id);
  if (!webhook) throw notFound("That webhook");
  return webhook;
}

/** Saves the given fields and keeps the others as they are. */
export async function changeWebhook(handle: TenantHandle, actor: Actor, deps: Deps, id: number, changes: Partial<WebhookInput>): Promise<void> {
  const { url, description, events, active } = await getWebhook(handle, id);
  await updateWebhook(handle, actor, deps, id, { url, description, events, active, ...definedFields(changes) });
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** A webhook's deliveries, newest first; the cursor holds the id of the previous page's last one. */
export async function deliveryPage(
  handle: Pick<TenantHandle, "db" | "t">,
  webhookId: number,
  { cursor, limit }: { cursor?: string; limit: number },
): Promise<Page<WebhookDelivery>> {
  await getWebhook(handle, webhookId);
  const [after] = decodeCursor(cursor, 1) ?? [];
  const before = after === undefined ? undefined : rowIdParam.safeParse(after);
  if (before && !before.success) {
    throw new AppError("invalid_cursor", "That page cursor is not valid for this list. Start again from the first page.", { field: "cursor" });
  }
  const rows = await listDeliveries(handle, webhookId, before?.data, limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor([items.at(-1)!.id]) : null };
}
