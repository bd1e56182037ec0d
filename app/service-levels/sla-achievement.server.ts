import { sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { SlaMetric } from "./sla-clock";

/** Targets met out of targets judged, in a window. */
export type Achievement = { achieved: number; judged: number };
export type SlaAchievement = Record<SlaMetric, { current: Achievement; previous: Achievement }>;

const METRICS: SlaMetric[] = ["firstReply", "nextReply", "resolution"];

/**
 * Per target, how many clocks were judged in the last 7 days and the 7 before, and how many of them
 * met the target: a clock is judged when it stops in time (achieved) or when it breaches (the breach
 * instant, whether or not it has stopped since). Read from the clocks ticket_slas keeps; a row judged in
 * the window was recomputed in it, so computed_at bounds the scan.
 */
export async function slaAchievement({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<SlaAchievement> {
  const { rows } = await db.execute<{ metric: SlaMetric; recent: boolean; achieved: number; judged: number }>(sql`
    with clocks as (
      select 'firstReply' as metric, clocks->'firstReply' as clock from ${t.ticketSlas} where computed_at >= now() - interval '14 days'
      union all
      select 'resolution', clocks->'resolution' from ${t.ticketSlas} where computed_at >= now() - interval '14 days'
      union all
      select 'nextReply', cycle from ${t.ticketSlas}, jsonb_array_elements(clocks->'nextReply'->'cycles') as cycle where computed_at >= now() - interval '14 days'
      union all
      select 'nextReply', clocks->'nextReply'->'current' from ${t.ticketSlas} where computed_at >= now() - interval '14 days'
    ),
    judged as (
      select metric, clock->>'state' as state,
             case clock->>'state' when 'achieved' then (clock->>'completedAt')::timestamptz when 'breached' then (clock->>'breachedAt')::timestamptz end as judged_at
      from clocks where clock->>'state' in ('achieved', 'breached')
    )
    select metric, judged_at >= now() - interval '7 days' as recent,
           count(*) filter (where state = 'achieved')::int as achieved, count(*)::int as judged
    from judged where judged_at >= now() - interval '14 days' and judged_at <= now()
    group by 1, 2`);
  const empty = (): Achievement => ({ achieved: 0, judged: 0 });
  const result = Object.fromEntries(METRICS.map((metric) => [metric, { current: empty(), previous: empty() }])) as SlaAchievement;
  for (const row of rows) result[row.metric][row.recent ? "current" : "previous"] = { achieved: row.achieved, judged: row.judged };
  return result;
}
