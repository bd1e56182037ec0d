import { sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables, TicketStatus } from "../../db/tenant-tables";
import { UNSOLVED_STATUSES, type StatusTab } from "./ticket-schemas";

type Bucket = { status: TicketStatus; assigneeId: number | null };
type Executor = TenantTransaction | TenantHandle["db"];

/**
 * Moves one ticket between (status, assignee) buckets; `from` null means created, `to` null deleted.
 * Buckets are touched in key order so two concurrent changes cannot deadlock on each other's rows.
 */
export async function moveTicketCount(tx: TenantTransaction, t: TenantTables, from: Bucket | null, to: Bucket | null): Promise<void> {
  const deltas = new Map<string, { status: TicketStatus; assigneeId: number; delta: number }>();
  const add = (bucket: Bucket | null, delta: number) => {
    if (!bucket) return;
    const assigneeId = bucket.assigneeId ?? 0;
    const key = `${bucket.status}\u0000${String(assigneeId).padStart(20, "0")}`;
    const entry = deltas.get(key) ?? { status: bucket.status, assigneeId, delta: 0 };
    entry.delta += delta;
    deltas.set(key, entry);
  };
  add(from, -1);
  add(to, 1);
  for (const [, entry] of [...deltas].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (entry.delta === 0) continue;
    await tx
      .insert(t.ticketCounters)
      .values({ status: entry.status, assigneeId: entry.assigneeId, count: entry.delta })
      .onConflictDoUpdate({ target: [t.ticketCounters.status, t.ticketCounters.assigneeId], set: { count: sql`${t.ticketCounters.count} + ${entry.delta}` } });
  }
}

/** Rebuilds the counters from the tickets table: after bulk loads that bypass the ticket commands. */
export async function recountTickets(db: Executor, t: TenantTables): Promise<void> {
  await db.delete(t.ticketCounters);
  await db.execute(sql`insert into ${t.ticketCounters} (status, assignee_id, count)
    select status, coalesce(assignee_id, 0), count(*)::int from ${t.tickets} group by 1, 2`);
}

export type TicketCounterRow = { status: TicketStatus; assigneeId: number; count: number };

export async function readTicketCounters({ db, t }: TenantHandle): Promise<TicketCounterRow[]> {
  return db.select({ status: t.ticketCounters.status, assigneeId: t.ticketCounters.assigneeId, count: t.ticketCounters.count }).from(t.ticketCounters);
}

const isUnsolved = (status: TicketStatus) => (UNSOLVED_STATUSES as readonly string[]).includes(status);

/** The sidebar's numbers: open tickets, and unsolved tickets nobody or the viewer owns. */
export function sidebarCounts(rows: TicketCounterRow[], viewerId: number) {
  let open = 0;
  let unassigned = 0;
  let mine = 0;
  for (const row of rows) {
    if (row.status === "open") open += row.count;
    if (!isUnsolved(row.status)) continue;
    if (row.assigneeId === 0) unassigned += row.count;
    if (row.assigneeId === viewerId) mine += row.count;
  }
  return { open, unassigned, mine };
}

/** Counts per status tab, for all tickets or only those of one assignee bucket (0 = unassigned). */
export function tabCounts(rows: TicketCounterRow[], assigneeId?: number): Record<StatusTab, number> {
  const counts: Record<StatusTab, number> = { unsolved: 0, open: 0, pending: 0, on_hold: 0, solved: 0, closed: 0, all: 0 };
  for (const row of rows) {
    if (assigneeId !== undefined && row.assigneeId !== assigneeId) continue;
    counts[row.status] += row.count;
    counts.all += row.count;
    if (isUnsolved(row.status)) counts.unsolved += row.count;
  }
  return counts;
}
