import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { SlaEventType, TenantTables, StatusCategory } from "../../db/tenant-tables";
import type { TenantTransaction } from "../../tenancy/connection-router";
import { businessClock, calendarClock, type BusinessSchedule } from "./business-time";
import { alertKey, earliestDueAt, nextAlertAt } from "./sla-alerts";
import { computeSlaClocks, type SlaEvent, type SlaMetric, type SlaResult, type SlaTargets } from "./sla-clock";
import { matchingPolicy, targetsFor } from "./sla-policy-match";

/**
 * A ticket's SLA, kept in the transaction of each ticket change: the change is appended to the
 * ticket's SLA events, the policy is re-evaluated (a new one, or new targets for a new priority,
 * is itself an event), and the clocks are recomputed from all events (sla-clock.ts) into
 * ticket_slas. The policy's targets, hours and pause rules are copied into its event, so editing
 * a policy or a schedule later never rewrites what a ticket was promised before.
 */

/** What happened to the ticket, as far as its SLA is concerned; `properties_changed` only re-evaluates the policy. */
export type SlaChange = Exclude<SlaEventType, "policy_changed"> | "properties_changed";

/** The policy in force from an instant on, as recorded in a policy_changed event. */
type PolicySnapshot = {
  policyId: number | null;
  policyName: string | null;
  targets: SlaTargets;
  schedule: BusinessSchedule | null;
  pausedStatuses: string[];
  warnBeforeMinutes: number;
};

const NO_POLICY: PolicySnapshot = { policyId: null, policyName: null, targets: {}, schedule: null, pausedStatuses: [], warnBeforeMinutes: 0 };

export async function trackTicketSla(tx: TenantTransaction, t: TenantTables, ticketId: number, changes: readonly SlaChange[]): Promise<void> {
  const ticket = await ticketFacts(tx, t, ticketId);
  if (!ticket) return;
  const now = await eventTime(tx, t, ticketId);
  const events: Array<{ ticketId: number; type: SlaEventType; at: Date; data: Record<string, unknown> | null }> = changes
    .filter((change): change is Exclude<SlaChange, "properties_changed"> => change !== "properties_changed")
    .map((type) => ({ ticketId, type, at: now, data: type === "ticket_created" || type === "status_changed" ? statusData(ticket) : null }));

  const snapshot = await policyFor(tx, t, ticket);
  const previous = await lastPolicySnapshot(tx, t, ticketId);
  if (!previous && !changes.includes("ticket_created")) events.unshift(...adoptionEvents(ticketId, ticket));
  if (!previous || !sameSnapshot(previous, snapshot)) {
    events.push({ ticketId, type: "policy_changed", at: now, data: snapshot });
    // The pause rules may differ (at creation: apply at all): restate the status under the new policy.
    events.push({ ticketId, type: "status_changed", at: now, data: statusData(ticket) });
  }
  if (events.length > 0) await tx.insert(t.ticketSlaEvents).values(events);
  await refreshTicketSla(tx, t, ticketId, now, snapshot);
}

/**
 * A ticket from before SLA tracking has no history: it starts with what the ticket itself records (its
 * creation, its first public reply, when it was solved), so a policy that applies from now on measures
 * from its creation, as for any other ticket; what happened before any policy applied (a first reply, a
 * solve) is neither awaited nor judged.
 */
function adoptionEvents(ticketId: number, ticket: TicketFacts) {
  const after = (at: Date | null): at is Date => at !== null && at >= ticket.createdAt;
  const solved = ticket.statusCategory === "solved" || ticket.statusCategory === "closed";
  return [
    { ticketId, type: "ticket_created" as const, at: ticket.createdAt, data: { status: "open", category: "open" } },
    ...(after(ticket.firstResponseAt) ? [{ ticketId, type: "agent_public_reply" as const, at: ticket.firstResponseAt, data: null }] : []),
    ...(solved && after(ticket.solvedAt) ? [{ ticketId, type: "status_changed" as const, at: ticket.solvedAt, data: statusData(ticket) }] : []),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
}

export type RefreshedSla = { result: SlaResult; warnBeforeMinutes: number; recorded: Set<string> };

/**
 * Recomputes a ticket's clocks from its events as of `now` (the alert job's view of time), with when
 * the next breach and the next alert fall due.
 */
export async function refreshTicketSla(tx: TenantTransaction, t: TenantTables, ticketId: number, now: Date, current?: PolicySnapshot): Promise<RefreshedSla> {
  const rows = await tx
    .select({ type: t.ticketSlaEvents.type, at: t.ticketSlaEvents.at, data: t.ticketSlaEvents.data })
    .from(t.ticketSlaEvents)
    .where(eq(t.ticketSlaEvents.ticketId, ticketId))
    .orderBy(asc(t.ticketSlaEvents.at), asc(t.ticketSlaEvents.id));
  const result = computeSlaClocks({ clock: firstPolicyClock(rows), targets: {}, events: slaEventsOf(rows), now });
  const policy = current ?? (await lastPolicySnapshot(tx, t, ticketId)) ?? NO_POLICY;
  const recorded = await recordedAlerts(tx, t, ticketId);
  await saveTicketSla(tx, t, ticketId, { result, warnBeforeMinutes: policy.warnBeforeMinutes, recorded }, policy, now);
  return { result, warnBeforeMinutes: policy.warnBeforeMinutes, recorded };
}

export async function saveTicketSla(
  tx: TenantTransaction,
  t: TenantTables,
  ticketId: number,
  { result, warnBeforeMinutes, recorded }: RefreshedSla,
  policy: Pick<PolicySnapshot, "policyId" | "policyName"> | null,
  now: Date,
): Promise<void> {
  const values = {
    ...(policy ? { policyId: policy.policyId, policyName: policy.policyName } : {}),
    clocks: JSON.parse(JSON.stringify(result)) as Record<string, unknown>,
    nextBreachAt: earliestDueAt(result),
    nextAlertAt: nextAlertAt(result, warnBeforeMinutes, recorded),
    computedAt: now,
  };
  await tx
    .insert(t.ticketSlas)
    .values({ ticketId, ...values })
    .onConflictDoUpdate({ target: t.ticketSlas.ticketId, set: values });
}

async function recordedAlerts(tx: TenantTransaction, t: TenantTables, ticketId: number): Promise<Set<string>> {
  const rows = await tx
    .select({ metric: t.ticketSlaAlerts.metric, cycle: t.ticketSlaAlerts.cycle, kind: t.ticketSlaAlerts.kind })
    .from(t.ticketSlaAlerts)
    .where(eq(t.ticketSlaAlerts.ticketId, ticketId));
  return new Set(rows.map((row) => alertKey({ metric: row.metric as SlaMetric, cycle: row.cycle, kind: row.kind })));
}

type EventRow = { type: SlaEventType; at: Date; data: Record<string, unknown> | null };

/**
 * Time before the first policy applied (a ticket that matched none at first, or from before tracking) is
 * counted on that policy's clock when it arrives, not on the calendar: its business hours decide how much
 * of the waiting counts.
 */
function firstPolicyClock(rows: readonly EventRow[]) {
  const first = rows.find((row) => row.type === "policy_changed" && (row.data as unknown as PolicySnapshot).policyId !== null);
  const schedule = first ? (first.data as unknown as PolicySnapshot).schedule : null;
  return schedule ? businessClock(schedule) : calendarClock();
}

/** The stored events as sla-clock events: each status judged by the pause rules of the policy in force then. */
function slaEventsOf(rows: readonly EventRow[]): SlaEvent[] {
  let pausedStatuses: string[] = [];
  const behaviour = (data: Record<string, unknown> | null) => {
    const status = data?.status as string;
    // Events from before a workspace had its own statuses name only the status, which was its category.
    return { category: (data?.category ?? status) as StatusCategory, pausesResolution: pausedStatuses.includes(status) };
  };
  return rows.map((row): SlaEvent => {
    switch (row.type) {
      case "ticket_created":
        return { type: "ticket_created", at: row.at, status: behaviour(row.data) };
      case "status_changed":
        return { type: "status_changed", at: row.at, status: behaviour(row.data) };
      case "customer_message":
        return { type: "customer_message", at: row.at };
      case "agent_public_reply":
        return { type: "agent_public_reply", at: row.at };
      case "policy_changed": {
        const snapshot = row.data as unknown as PolicySnapshot;
        pausedStatuses = snapshot.pausedStatuses;
        return { type: "policy_changed", at: row.at, targets: snapshot.targets, clock: snapshot.schedule ? businessClock(snapshot.schedule) : calendarClock() };
      }
    }
  });
}

async function ticketFacts(tx: TenantTransaction, t: TenantTables, ticketId: number) {
  const [ticket] = await tx
    .select({
      status: t.tickets.statusKey,
      statusCategory: t.tickets.statusCategory,
      priority: t.tickets.priority,
      channel: t.tickets.channel,
      tags: t.tickets.tags,
      category: t.tickets.category,
      createdAt: t.tickets.createdAt,
      firstResponseAt: t.tickets.firstResponseAt,
      solvedAt: t.tickets.solvedAt,
      customerEmail: t.customers.email,
    })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .where(eq(t.tickets.id, ticketId));
  return ticket ?? null;
}

type TicketFacts = NonNullable<Awaited<ReturnType<typeof ticketFacts>>>;

/** A status event's data: the status key (what pause rules name) and its category (what stops clocks). */
const statusData = (ticket: Pick<TicketFacts, "status" | "statusCategory">) => ({ status: ticket.status, category: ticket.statusCategory });

async function policyFor(tx: TenantTransaction, t: TenantTables, ticket: TicketFacts): Promise<PolicySnapshot> {
  const policies = await tx.select().from(t.slaPolicies).where(eq(t.slaPolicies.active, true)).orderBy(asc(t.slaPolicies.position), asc(t.slaPolicies.id));
  const policy = matchingPolicy(policies, ticket);
  if (!policy) return NO_POLICY;
  const [schedule] = policy.scheduleId
    ? await tx
        .select({ timeZone: t.businessSchedules.timeZone, periods: t.businessSchedules.periods, holidays: t.businessSchedules.holidays })
        .from(t.businessSchedules)
        .where(eq(t.businessSchedules.id, policy.scheduleId))
    : [];
  return {
    policyId: policy.id,
    policyName: policy.name,
    targets: targetsFor(policy, ticket.priority),
    schedule: (schedule as BusinessSchedule | undefined) ?? null,
    pausedStatuses: [...policy.pausedStatuses].sort(),
    warnBeforeMinutes: policy.warnBeforeMinutes,
  };
}

async function lastPolicySnapshot(tx: TenantTransaction, t: TenantTables, ticketId: number): Promise<PolicySnapshot | null> {
  const [row] = await tx
    .select({ data: t.ticketSlaEvents.data })
    .from(t.ticketSlaEvents)
    .where(and(eq(t.ticketSlaEvents.ticketId, ticketId), eq(t.ticketSlaEvents.type, "policy_changed")))
    .orderBy(desc(t.ticketSlaEvents.at), desc(t.ticketSlaEvents.id))
    .limit(1);
  return (row?.data as PolicySnapshot | undefined) ?? null;
}

/** jsonb does not keep key order, so snapshots are compared with their keys sorted. */
const sameSnapshot = (a: PolicySnapshot, b: PolicySnapshot) => canonical(a) === canonical(b);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The instant of this change's events: the wall clock now, taken under the ticket's row lock (the
 * transaction's start could be earlier than a change another transaction committed meanwhile), and
 * never before the ticket's last event, so the history's order is the order changes happened.
 */
async function eventTime(tx: TenantTransaction, t: TenantTables, ticketId: number): Promise<Date> {
  const { rows } = await tx.execute<{ at: string }>(
    sql`select greatest(clock_timestamp(), (select max(${t.ticketSlaEvents.at}) from ${t.ticketSlaEvents} where ${t.ticketSlaEvents.ticketId} = ${ticketId}))::text as at`,
  );
  return new Date(rows[0]!.at);
}
