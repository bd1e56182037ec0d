import { count, eq, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type * as z from "zod";
import type { StatusCategory, TenantTables } from "../../db/tenant-tables";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import { AppError, fieldError, notFound } from "../app-error";
import { isUniqueViolation } from "../db-errors.server";
import { CATEGORY_LABELS, sortStatuses, type TicketStatusRecord } from "./ticket-status-catalog";
import type { newStatusSchema, statusLabelsSchema } from "./ticket-status-schema";

/**
 * The workspace's ticket statuses (`/settings/statuses`): admins add statuses to the fixed categories,
 * rename, reorder and deactivate them. A ticket's category is what every rule reads; its status is the
 * finer word the team uses. A status some ticket is in cannot be deleted, only deactivated (tickets'
 * (status_key, status) foreign key guarantees it even against a concurrent change).
 */

export type NewStatusInput = z.output<typeof newStatusSchema>;
export type StatusLabelsInput = z.output<typeof statusLabelsSchema>;
export type StatusWithUsage = TicketStatusRecord & { ticketCount: number };

const FOREIGN_KEY_VIOLATION = "23503";
const MAX_STATUSES = 100;

// Read by every console screen: one small query per workspace per few seconds. Writes here drop the
// entry at once; another process sees a rename within the TTL.
const catalogCache = new LRUCache<string, TicketStatusRecord[]>({ max: 10_000, ttl: 5_000 });

function columns(t: TenantTables) {
  const s = t.ticketStatuses;
  return {
    key: s.key,
    category: s.category,
    agentLabel: s.agentLabel,
    customerLabel: s.customerLabel,
    position: s.position,
    active: s.active,
    builtIn: s.builtIn,
  };
}

/** Every status, in category order and the admins' order within each. */
export async function listTicketStatuses(handle: Pick<TenantHandle, "db" | "t" | "tenant">): Promise<TicketStatusRecord[]> {
  const cached = catalogCache.get(handle.tenant.schemaName);
  if (cached) return cached;
  const rows = sortStatuses(await handle.db.select(columns(handle.t)).from(handle.t.ticketStatuses));
  catalogCache.set(handle.tenant.schemaName, rows);
  return rows;
}

/** The statuses with how many tickets are in each (the settings page: what can be deleted). */
export async function listTicketStatusesWithUsage({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<StatusWithUsage[]> {
  const [statuses, usage] = await Promise.all([
    db.select(columns(t)).from(t.ticketStatuses),
    db.select({ key: t.tickets.statusKey, count: count() }).from(t.tickets).groupBy(t.tickets.statusKey),
  ]);
  const counts = new Map(usage.map((row) => [row.key, row.count]));
  return sortStatuses(statuses).map((status) => ({ ...status, ticketCount: counts.get(status.key) ?? 0 }));
}

/**
 * The status a ticket is moved to: it must exist and be active. Inside the ticket's transaction, so
 * the foreign key and this check see the same rows.
 */
export async function resolveStatusForChange(
  tx: TenantTransaction,
  t: TenantTables,
  key: string,
  field = "status",
): Promise<{ key: string; category: StatusCategory }> {
  // KEY SHARE: a status being deleted waits for this ticket's change (and then sees it in use), or wins and is gone here.
  const [row] = await tx
    .select({ key: t.ticketStatuses.key, category: t.ticketStatuses.category, active: t.ticketStatuses.active, agentLabel: t.ticketStatuses.agentLabel })
    .from(t.ticketStatuses)
    .where(eq(t.ticketStatuses.key, key))
    .for("key share");
  if (!row) throw fieldError(field, `There is no status “${key}” in this workspace. Choose one from the list.`);
  if (!row.active) throw fieldError(field, `The status “${row.agentLabel}” has been deactivated. Choose another status.`);
  return { key: row.key, category: row.category };
}

/** Adds a status at the end of its category. Its key comes from the agent label and never changes. */
export async function createTicketStatus(handle: TenantHandle, actor: Actor, input: NewStatusInput): Promise<TicketStatusRecord> {
  const { t } = handle;
  const record = await writeStatuses(handle, input.agentLabel, async (tx) => {
    const existing = await tx
      .select({ key: t.ticketStatuses.key, category: t.ticketStatuses.category, position: t.ticketStatuses.position })
      .from(t.ticketStatuses);
    if (existing.length >= MAX_STATUSES)
      throw new AppError("conflict", `A workspace can have at most ${MAX_STATUSES} statuses. Deactivate or delete one you no longer use.`);
    const key = freeKey(input.agentLabel, new Set(existing.map((row) => row.key)));
    const position = Math.max(0, ...existing.filter((row) => row.category === input.category).map((row) => row.position)) + 1;
    const [row] = await tx
      .insert(t.ticketStatuses)
      .values({ key, category: input.category, agentLabel: input.agentLabel, customerLabel: input.customerLabel, position })
      .returning(columns(t));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "ticket_status.created",
      entityType: "ticket_status",
      changes: { key: { from: null, to: key }, category: { from: null, to: input.category }, agentLabel: { from: null, to: input.agentLabel } },
    });
    return row!;
  });
  return record;
}

/** Renames a status (both labels); nothing changed writes nothing. */
export async function updateTicketStatusLabels(handle: TenantHandle, actor: Actor, key: string, input: StatusLabelsInput): Promise<void> {
  const { t } = handle;
  await writeStatuses(handle, input.agentLabel, async (tx) => {
    const current = await lockStatus(tx, t, key);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (current.agentLabel !== input.agentLabel) changes.agentLabel = { from: current.agentLabel, to: input.agentLabel };
    if (current.customerLabel !== input.customerLabel) changes.customerLabel = { from: current.customerLabel, to: input.customerLabel };
    if (Object.keys(changes).length === 0) return;
    await tx
      .update(t.ticketStatuses)
      .set({ agentLabel: input.agentLabel, customerLabel: input.customerLabel, updatedAt: sql`now()` })
      .where(eq(t.ticketStatuses.key, key));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "ticket_status.updated",
      entityType: "ticket_status",
      changes: { key: { from: key, to: key }, ...changes },
    });
  });
}

/**
 * Deactivates or reactivates a status. A deactivated status leaves every picker; tickets in it keep it
 * until an agent changes it. A category's built-in status stays active: the rules land on it.
 */
export async function setTicketStatusActive(handle: TenantHandle, actor: Actor, key: string, active: boolean): Promise<void> {
  const { t } = handle;
  await writeStatuses(handle, null, async (tx) => {
    const current = await lockStatus(tx, t, key);
    if (current.builtIn && !active) throw builtInRule(current, "deactivated");
    if (current.active === active) return;
    await tx
      .update(t.ticketStatuses)
      .set({ active, updatedAt: sql`now()` })
      .where(eq(t.ticketStatuses.key, key));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: active ? "ticket_status.activated" : "ticket_status.deactivated",
      entityType: "ticket_status",
      changes: { key: { from: key, to: key }, active: { from: current.active, to: active } },
    });
  });
}

/** Moves a status one place up or down within its category. */
export async function moveTicketStatus(handle: TenantHandle, actor: Actor, key: string, direction: "up" | "down"): Promise<void> {
  const { t } = handle;
  await writeStatuses(handle, null, async (tx) => {
    const current = await lockStatus(tx, t, key);
    const siblings = sortStatuses(await tx.select(columns(t)).from(t.ticketStatuses).where(eq(t.ticketStatuses.category, current.category)));
    const index = siblings.findIndex((status) => status.key === key);
    const neighbour = siblings[direction === "up" ? index - 1 : index + 1];
    if (!neighbour) return;
    // Renumber the category so equal or gappy positions (from concurrent history) cannot stall a move.
    const order = siblings.map((status) => status.key);
    order.splice(index, 1);
    order.splice(direction === "up" ? index - 1 : index + 1, 0, key);
    for (const [position, statusKey] of order.entries()) {
      await tx
        .update(t.ticketStatuses)
        .set({ position, updatedAt: sql`now()` })
        .where(eq(t.ticketStatuses.key, statusKey));
    }
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "ticket_status.reordered",
      entityType: "ticket_status",
      changes: { order: { from: siblings.map((status) => status.key), to: order } },
    });
  });
}

/**
 * Deletes a status no ticket is in. Refused for built-in statuses and for statuses in use (deactivate
 * those instead); SLA policies that paused on it stop naming it.
 */
export async function deleteTicketStatus(handle: TenantHandle, actor: Actor, key: string): Promise<{ agentLabel: string }> {
  const { t } = handle;
  let label = key;
  try {
    return await writeStatuses(handle, null, async (tx) => {
      const current = await lockStatus(tx, t, key, "update");
      label = current.agentLabel;
      if (current.builtIn) throw builtInRule(current, "deleted");
      const [usage] = await tx.select({ count: count() }).from(t.tickets).where(eq(t.tickets.statusKey, key));
      if (usage && usage.count > 0) throw statusInUse(current.agentLabel, usage.count);
      await tx.delete(t.ticketStatuses).where(eq(t.ticketStatuses.key, key));
      await tx
        .update(t.slaPolicies)
        .set({ pausedStatuses: sql`array_remove(${t.slaPolicies.pausedStatuses}, ${key})`, updatedAt: sql`now()` })
        .where(sql`${key} = any(${t.slaPolicies.pausedStatuses})`);
      await recordActivity(tx, t, {
        ...actorColumns(actor),
        action: "ticket_status.deleted",
        entityType: "ticket_status",
        changes: { key: { from: key, to: null }, agentLabel: { from: current.agentLabel, to: null } },
      });
      return { agentLabel: current.agentLabel };
    });
  } catch (error) {
    // A ticket moved into the status after the count above: the foreign key still refuses.
    const { code, cause } = error as { code?: string; cause?: { code?: string } };
    if (code === FOREIGN_KEY_VIOLATION || cause?.code === FOREIGN_KEY_VIOLATION) throw statusInUse(label, null);
    throw error;
  }
}

/**
 * One change to the statuses: serialised with every other (the table lock comes first, so a move that
 * renumbers a category never meets a rename holding one of its rows), never with tickets' changes.
 */
async function writeStatuses<T>(handle: TenantHandle, agentLabel: string | null, work: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  try {
    return await handle.transaction(async (tx) => {
      await lockStatuses(tx, handle.t);
      return work(tx);
    });
  } catch (error) {
    if (agentLabel !== null && isUniqueViolation(error)) throw fieldError("agentLabel", `A status named “${agentLabel}” already exists. Choose another name.`);
    throw error;
  } finally {
    catalogCache.delete(handle.tenant.schemaName);
  }
}

/** SHARE ROW EXCLUSIVE conflicts with itself, not with the row locks of tickets' foreign-key checks. */
async function lockStatuses(tx: TenantTransaction, t: TenantTables): Promise<void> {
  await tx.execute(sql`lock table ${t.ticketStatuses} in share row exclusive mode`);
}

/** NO KEY UPDATE by default: tickets' changes (KEY SHARE) go on while a status is renamed; a delete needs UPDATE. */
async function lockStatus(
  tx: TenantTransaction,
  t: TenantTables,
  key: string,
  strength: "no key update" | "update" = "no key update",
): Promise<TicketStatusRecord> {
  const [row] = await tx.select(columns(t)).from(t.ticketStatuses).where(eq(t.ticketStatuses.key, key)).for(strength);
  if (!row) throw notFound("That status");
  return row;
}

/** "Waiting on vendor" → waiting_on_vendor (whole words, at most 32 characters); no letters gives "status"; taken keys get _2, _3, … */
function freeKey(label: string, taken: ReadonlySet<string>): string {
  const words = label
    .normalize("NFKD")
    .toLowerCase()
    .replace(/^[^a-z]+/, "")
    .split(/[^a-z0-9]+/);
  let slug = "";
  for (const word of words.filter(Boolean)) {
    const next = slug ? `${slug}_${word}` : word;
    if (next.length > 32) break;
    slug = next;
  }
  const base = slug || words[0]?.slice(0, 32) || "status";
  if (!taken.has(base)) return base;
  for (let suffix = 2; ; suffix++) {
    const candidate = `${base}_${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function builtInRule(status: TicketStatusRecord, what: "deactivated" | "deleted"): AppError {
  return new AppError(
    "conflict",
    `“${status.agentLabel}” is the built-in status of ${CATEGORY_LABELS[status.category]}: it can be renamed but not ${what}, since the rules that move tickets into ${CATEGORY_LABELS[status.category]} (such as a customer's reply reopening a ticket) land on it.`,
  );
}

function statusInUse(label: string, tickets: number | null): AppError {
  const which = tickets === null ? "tickets are" : tickets === 1 ? "1 ticket is" : `${tickets} tickets are`;
  return new AppError("conflict", `“${label}” cannot be deleted: ${which} in it. Deactivate it instead, or move those tickets to another status first.`);
}
