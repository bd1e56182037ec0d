import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import * as z from "zod";
import type { TenantTables } from "../../db/tenant-tables";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { TicketSlaView } from "./sla-display";

/**
 * Reads ticket_slas (kept by ticket-sla.server.ts) for the ticket screens and the API. Queries LEFT
 * JOIN it on the ticket: a ticket without a row has no SLA.
 */

/** The clocks a screen shows, without the finished next-reply cycles a long thread accumulates. */
const shownClocks = (t: TenantTables): SQL<unknown> =>
  sql`jsonb_build_object(
    'firstReply', ${t.ticketSlas.clocks} -> 'firstReply',
    'nextReply', coalesce(${t.ticketSlas.clocks} -> 'nextReply' -> 'current', ${t.ticketSlas.clocks} -> 'nextReply' -> 'cycles' -> -1),
    'resolution', ${t.ticketSlas.clocks} -> 'resolution')`;

/** Columns to select beside a ticket, joined with `leftJoin(t.ticketSlas, eq(t.ticketSlas.ticketId, t.tickets.id))`. */
export const ticketSlaColumns = (t: TenantTables) => ({
  slaTicketId: t.ticketSlas.ticketId,
  slaPolicy: t.ticketSlas.policyName,
  slaNextBreachAt: t.ticketSlas.nextBreachAt,
  slaClocks: shownClocks(t),
});

type SlaColumns = { slaTicketId: number | null; slaPolicy: string | null; slaNextBreachAt: Date | null; slaClocks: unknown };

/** Instants as the API prints them (the clocks hold JavaScript's ISO strings; anything else parseable is normalised). */
const isoOrNull = z
  .string()
  .nullable()
  .transform((value) => (value === null || Number.isNaN(Date.parse(value)) ? null : new Date(value).toISOString()))
  .catch(null);
const targetSchema = z
  .object({
    metric: z.enum(["firstReply", "nextReply", "resolution"]),
    state: z.enum(["running", "paused", "achieved", "breached"]),
    phase: z.enum(["running", "paused", "stopped"]),
    targetMinutes: z.number(),
    dueAt: isoOrNull,
    breachedAt: isoOrNull,
    completedAt: isoOrNull,
    remainingMinutes: z.number().nullable().catch(null),
    minutesLate: z.number().nullable().catch(null),
  })
  .nullable()
  // A row written by an older clock shape shows as no target rather than failing the screen.
  .catch(null);
const clocksSchema = z.object({ firstReply: targetSchema.optional(), nextReply: targetSchema.optional(), resolution: targetSchema.optional() });

/** The selected columns as the ticket's SLA, or null when the ticket has none. */
export function ticketSlaOf(row: SlaColumns): TicketSlaView | null {
  if (row.slaTicketId === null) return null;
  const clocks = clocksSchema.safeParse(row.slaClocks);
  const pick = (metric: "firstReply" | "nextReply" | "resolution") => (clocks.success ? (clocks.data[metric] ?? null) : null);
  return {
    policy: row.slaPolicy,
    nextBreachAt: row.slaNextBreachAt ? new Date(row.slaNextBreachAt).toISOString() : null,
    firstReply: pick("firstReply"),
    nextReply: pick("nextReply"),
    resolution: pick("resolution"),
  };
}

/** Removes the SLA columns from a selected row, giving the row and its SLA. */
export function withTicketSla<R extends SlaColumns>(row: R): Omit<R, keyof SlaColumns> & { sla: TicketSlaView | null } {
  const { slaTicketId: _id, slaPolicy: _policy, slaNextBreachAt: _next, slaClocks: _clocks, ...rest } = row;
  return { ...rest, sla: ticketSlaOf(row) };
}

export type PolicyPeriod = { policy: string | null; from: string };

/**
 * Which policy applied to a ticket when, newest first, from its SLA history: a period per change of
 * policy (a change of targets under the same policy, e.g. a new priority, is not listed).
 */
export async function slaPolicyHistory({ db, t }: Pick<TenantHandle, "db" | "t">, ticketId: number): Promise<PolicyPeriod[]> {
  const rows = await db
    .select({ at: t.ticketSlaEvents.at, data: t.ticketSlaEvents.data })
    .from(t.ticketSlaEvents)
    .where(and(eq(t.ticketSlaEvents.ticketId, ticketId), eq(t.ticketSlaEvents.type, "policy_changed")))
    .orderBy(asc(t.ticketSlaEvents.at), asc(t.ticketSlaEvents.id));
  const periods: PolicyPeriod[] = [];
  for (const row of rows) {
    const name = typeof row.data?.policyName === "string" ? row.data.policyName : null;
    if (periods.length > 0 && periods[periods.length - 1]!.policy === name) continue;
    periods.push({ policy: name, from: row.at.toISOString() });
  }
  return periods.reverse();
}
