import { sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { TenantHandle } from "../../tenancy/connection-router";
import { slaAchievement, type SlaAchievement } from "../service-levels/sla-achievement.server";
import { readTicketCounters, sidebarCounts, tabCounts } from "../tickets/ticket-counters.server";

export type Trend = { current: number | null; previous: number | null };
export type DailyVolume = { day: string; created: number; solved: number };

export type DashboardStats = {
  /** Tickets nobody has taken on yet (the New category). */
  new: number;
  open: number;
  unassigned: number;
  pending: number;
  /** Tickets created in the last 7 days against the 7 before. */
  created7d: Trend;
  /** Solved since midnight (UTC) against the same part of the day a week ago. */
  solvedToday: Trend;
  /** Median seconds from creation to the first public agent reply, tickets created in the window. */
  medianFirstResponseSeconds: Trend;
  /** Median seconds from creation to solved, tickets solved in the window. */
  medianResolutionSeconds: Trend;
  volume: DailyVolume[];
  /** Targets met out of those judged, per SLA target, 7 days against the 7 before. */
  sla: SlaAchievement;
  generatedAt: Date;
};

type Aggregates = Omit<DashboardStats, "new" | "open" | "unassigned" | "pending">;

/**
 * The aggregates scan weeks of tickets, so each process keeps them for a few seconds per workspace;
 * the counts beside them come from the counters table and are always current.
 */
const aggregatesCache = new LRUCache<string, Aggregates>({ max: 5_000, ttl: 10_000 });

export async function dashboardStats(handle: TenantHandle, viewerId: number): Promise<DashboardStats> {
  const cacheKey = handle.tenant.schemaName;
  const [counters, aggregates] = await Promise.all([
    readTicketCounters(handle),
    aggregatesCache.get(cacheKey) ?? computeAggregates(handle).then((value) => (aggregatesCache.set(cacheKey, value), value)),
  ]);
  const { new: fresh, open, unassigned } = sidebarCounts(counters, viewerId);
  return { new: fresh, open, unassigned, pending: tabCounts(counters).pending, ...aggregates };
}

/** Forget cached aggregates, e.g. in tests that need a change reflected at once. */
export function clearDashboardCache(handle: TenantHandle): void {
  aggregatesCache.delete(handle.tenant.schemaName);
}

async function computeAggregates({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<Aggregates> {
  const created = sql`${t.tickets.createdAt}`;
  const solved = sql`${t.tickets.solvedAt}`;
  const seconds = (to: unknown) => sql`extract(epoch from (${to} - ${created}))`;
  const [createdStats, solvedStats, volume, sla] = await Promise.all([
    db.execute<{ created_cur: number; created_prev: number; frt_cur: number | null; frt_prev: number | null }>(sql`
      select count(*) filter (where ${created} >= now() - interval '7 days')::int as created_cur,
             count(*) filter (where ${created} < now() - interval '7 days')::int as created_prev,
             percentile_cont(0.5) within group (order by ${seconds(t.tickets.firstResponseAt)}) filter (where ${created} >= now() - interval '7 days') as frt_cur,
             percentile_cont(0.5) within group (order by ${seconds(t.tickets.firstResponseAt)}) filter (where ${created} < now() - interval '7 days') as frt_prev
      from ${t.tickets} where ${created} >= now() - interval '14 days'`),
    db.execute<{ today_cur: number; today_prev: number; res_cur: number | null; res_prev: number | null }>(sql`
      select count(*) filter (where ${solved} >= date_trunc('day', now() at time zone 'utc') at time zone 'utc')::int as today_cur,
             count(*) filter (where ${solved} >= (date_trunc('day', now() at time zone 'utc') at time zone 'utc') - interval '7 days' and ${solved} < now() - interval '7 days')::int as today_prev,
             percentile_cont(0.5) within group (order by ${seconds(solved)}) filter (where ${solved} >= now() - interval '7 days') as res_cur,
             percentile_cont(0.5) within group (order by ${seconds(solved)}) filter (where ${solved} < now() - interval '7 days') as res_prev
      from ${t.tickets} where ${solved} >= now() - interval '14 days'`),
    db.execute<{ day: string; created: number; solved: number }>(sql`
      with days as (select generate_series(date_trunc('day', now() at time zone 'utc') - interval '29 days', date_trunc('day', now() at time zone 'utc'), interval '1 day') as day),
      c as (select date_trunc('day', ${created} at time zone 'utc') as day, count(*)::int as n from ${t.tickets} where ${created} >= now() - interval '31 days' group by 1),
      s as (select date_trunc('day', ${solved} at time zone 'utc') as day, count(*)::int as n from ${t.tickets} where ${solved} >= now() - interval '31 days' group by 1)
      select to_char(days.day, 'YYYY-MM-DD') as day, coalesce(c.n, 0) as created, coalesce(s.n, 0) as solved
      from days left join c using (day) left join s using (day) order by days.day`),
    slaAchievement({ db, t }),
  ]);
  const c = createdStats.rows[0]!;
  const s = solvedStats.rows[0]!;
  const num = (value: number | string | null) => (value === null ? null : Number(value));
  return {
    created7d: { current: c.created_cur, previous: c.created_prev },
    solvedToday: { current: s.today_cur, previous: s.today_prev },
    medianFirstResponseSeconds: { current: num(c.frt_cur), previous: num(c.frt_prev) },
    medianResolutionSeconds: { current: num(s.res_cur), previous: num(s.res_prev) },
    volume: volume.rows.map((row) => ({ day: row.day, created: Number(row.created), solved: Number(row.solved) })),
    sla,
    generatedAt: new Date(),
  };
}
