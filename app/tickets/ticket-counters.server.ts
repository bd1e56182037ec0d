import { sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { LRUCache } from "lru-cache";
import type { TenantTables, TicketPriority, StatusCategory } from "../../db/tenant-tables";
import { UNSOLVED_CATEGORIES, type StatusTab } from "./ticket-schemas";

type Bucket = { statusCategory: StatusCategory; assigneeId: number | null; priority: TicketPriority };
type Executor = TenantTransaction | TenantHandle["db"];

/**
 * Moves one ticket between (status, assignee) buckets; `from` null means created, `to` null deleted.
 * Buckets are touched in key order so two concurrent changes cannot deadlock on each other's rows.
 */
export async function moveTicketCount(tx: TenantTransaction, t: TenantTables, from: Bucket | null, to: Bucket | null): Promise<void> {
  const deltas = new Map<string, { status: StatusCategory; assigneeId: number; priority: TicketPriority; delta: number }>();
  const add = (bucket: Bucket | null, delta: number) => {
    if (!bucket) return;
    const assigneeId = bucket.assigneeId ?? 0;
    const key = `${bucket.statusCategory}\u0000${String(assigneeId).padStart(20, "0")}\u0000${bucket.priority}`;
    const entry = deltas.get(key) ?? { status: bucket.statusCategory, assigneeId, priority: bucket.priority, delta: 0 };
    entry.delta += delta;
    deltas.set(key, entry);
  };
  add(from, -1);
  add(to, 1);
  for (const [, entry] of [...deltas].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (entry.delta === 0) continue;
    await tx
      .insert(t.ticketCounters)
      .values({ status: entry.status, assigneeId: entry.assigneeId, priority: entry.priority, count: entry.delta })
      .onConflictDoUpdate({
        target: [t.ticketCounters.status, t.ticketCounters.assigneeId, t.ticketCounters.priority],
        set: { count: sql`${t.ticketCounters.count} + ${entry.delta}` },
      });
  }
}

/** Rebuilds the counters from the tickets table: after bulk loads that bypass the ticket commands. */
export async function recountTickets(db: Executor, t: TenantTables): Promise<void> {
  await db.delete(t.ticketCounters);
  await db.execute(sql`insert into ${t.ticketCounters} (status, assignee_id, priority, count)
    select status, coalesce(assignee_id, 0), priority, count(*)::int from ${t.tickets} group by 1, 2, 3`);
}

export type TicketCounterRow = { status: StatusCategory; assigneeId: number; priority: TicketPriority; count: number };

/**
 * Every request of the console reads these (sidebar, tabs, dashboard), so each process keeps them
 * for a second per workspace; its own writes drop the copy at once, other processes' show within 1 s.
 */
const countersCache = new LRUCache<string, TicketCounterRow[]>({ max: 10_000, ttl: 1_000 });

export async function readTicketCounters({ db, t, tenant }: TenantHandle): Promise<TicketCounterRow[]> {
  const cached = countersCache.get(tenant.schemaName);
  if (cached) return cached;
  const rows = await db
    .select({ status: t.ticketCounters.status, assigneeId: t.ticketCounters.assigneeId, priority: t.ticketCounters.priority, count: t.ticketCounters.count })
    .from(t.ticketCounters);
  countersCache.set(tenant.schemaName, rows);
  return rows;
}

/** Drops this process's copy after a change; called once the change has committed. */
export function forgetTicketCounters(schemaName: string): void {
  countersCache.delete(schemaName);
}

const isUnsolved = (status: StatusCategory) => (UNSOLVED_CATEGORIES as readonly string[]).includes(status);

/** The sidebar's numbers: new and open tickets, and unsolved tickets nobody or the viewer owns. */
export function sidebarCounts(rows: TicketCounterRow[], viewerId: number) {
  let fresh = 0;
  let open = 0;
  let unassigned = 0;
  let mine = 0;
  for (const row of rows) {
    if (row.status === "new") fresh += row.count;
    if (row.status === "open") open += row.count;
    if (!isUnsolved(row.status)) continue;
    if (row.assigneeId === 0) unassigned += row.count;
    if (row.assigneeId === viewerId) mine += row.count;
  }
  return { new: fresh, open, unassigned, mine };
}

/** Counts per status tab, for all tickets or only one assignee bucket (0 = unassigned) and/or one priority. */
export function tabCounts(rows: TicketCounterRow[], only: { assigneeId?: number; priority?: TicketPriority } = {}): Record<StatusTab, number> {
  const counts: Record<StatusTab, number> = { unsolved: 0, new: 0, open: 0, pending: 0, on_hold: 0, solved: 0, closed: 0, all: 0 };
  for (const row of rows) {
    if (only.assigneeId !== undefined && row.assigneeId !== only.assigneeId) continue;
    if (only.priority !== undefined && row.priority !== only.priority) continue;
    counts[row.status] += row.count;
    counts.all += row.count;
    if (isUnsolved(row.status)) counts.unsolved += row.count;
  }
  return counts;
}
