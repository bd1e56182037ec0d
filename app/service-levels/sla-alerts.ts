import type { SlaMetric, SlaMetricResult, SlaResult } from "./sla-clock";

/**
 * Which warnings and breaches a ticket's clocks call for, and when the next one falls due. Pure:
 * the alert job (sla-alert-job.server.ts) records each once, keyed by metric, cycle and kind.
 */

export type SlaAlertKind = "warning" | "breach";
export type SlaAlert = { metric: SlaMetric; cycle: number; kind: SlaAlertKind; dueAt: Date; minutesLate: number | null };

export const alertKey = (alert: Pick<SlaAlert, "metric" | "cycle" | "kind">) => `${alert.metric}:${alert.cycle}:${alert.kind}`;

const MINUTE_MS = 60_000;

export const SLA_METRIC_NAMES: Record<SlaMetric, string> = { firstReply: "first reply", nextReply: "next reply", resolution: "resolution" };

/** "SLA breached: first reply, 12 min late" / "SLA warning: resolution due in 30 min" */
export function describeSlaAlert(alert: { kind: SlaAlertKind; metric: SlaMetric; dueAt: Date; minutesLate: number | null }, now: Date): string {
  const name = SLA_METRIC_NAMES[alert.metric];
  if (alert.kind === "breach") return `SLA breached: ${name}${alert.minutesLate ? `, ${formatMinutes(alert.minutesLate)} late` : ""}`;
  const left = Math.max(0, Math.round((alert.dueAt.getTime() - now.getTime()) / MINUTE_MS));
  return `SLA warning: ${name} due in ${formatMinutes(left)}`;
}

function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** Every clock that can alert: first reply, resolution, and each next-reply cycle (numbered by the clock, gaps and all). */
function clocksOf(result: SlaResult): Array<{ clock: SlaMetricResult; cycle: number }> {
  const clocks = [result.firstReply, ...result.nextReply.cycles, result.nextReply.current, result.resolution];
  return clocks.filter((clock): clock is SlaMetricResult => clock !== null).map((clock) => ({ clock, cycle: clock.cycle }));
}

/** Each alert with the instant it is due: a warning `warnBeforeMinutes` before a running clock's due time, a breach at it. */
function plannedAlerts(result: SlaResult, warnBeforeMinutes: number): SlaAlert[] {
  const alerts: SlaAlert[] = [];
  for (const { clock, cycle } of clocksOf(result)) {
    if (clock.state === "breached" && clock.breachedAt) {
      alerts.push({ metric: clock.metric, cycle, kind: "breach", dueAt: clock.breachedAt, minutesLate: clock.minutesLate });
    } else if (clock.state === "running" && clock.dueAt) {
      const warnAt = new Date(clock.dueAt.getTime() - warnBeforeMinutes * MINUTE_MS);
      if (warnBeforeMinutes > 0) alerts.push({ metric: clock.metric, cycle, kind: "warning", dueAt: warnAt, minutesLate: null });
      alerts.push({ metric: clock.metric, cycle, kind: "breach", dueAt: clock.dueAt, minutesLate: null });
    }
  }
  return alerts;
}

/**
 * The alerts due at `now` that are not recorded yet. A clock already breached is not also warned
 * about; a breach is reported even when the clock stopped late between two runs of the job.
 */
export function dueAlerts(result: SlaResult, warnBeforeMinutes: number, recorded: ReadonlySet<string>, now: Date): SlaAlert[] {
  const planned = plannedAlerts(result, warnBeforeMinutes).filter((alert) => !recorded.has(alertKey(alert)) && alert.dueAt.getTime() <= now.getTime());
  const breached = new Set(planned.filter((alert) => alert.kind === "breach").map((alert) => `${alert.metric}:${alert.cycle}`));
  return planned.filter((alert) => alert.kind === "breach" || !breached.has(`${alert.metric}:${alert.cycle}`));
}

/** When the job next has an alert to record, or null: what the job's scan is indexed by. */
export function nextAlertAt(result: SlaResult, warnBeforeMinutes: number, recorded: ReadonlySet<string>): Date | null {
  let next: number | null = null;
  for (const alert of plannedAlerts(result, warnBeforeMinutes)) {
    if (recorded.has(alertKey(alert))) continue;
    if (next === null || alert.dueAt.getTime() < next) next = alert.dueAt.getTime();
  }
  return next === null ? null : new Date(next);
}

/** The earliest due instant of a clock still going, breached ones included (they sort first: overdue). */
export function earliestDueAt(result: SlaResult): Date | null {
  let earliest: number | null = null;
  for (const { clock } of clocksOf(result)) {
    if (clock.phase !== "running" || !clock.dueAt) continue;
    if (earliest === null || clock.dueAt.getTime() < earliest) earliest = clock.dueAt.getTime();
  }
  return earliest === null ? null : new Date(earliest);
}
