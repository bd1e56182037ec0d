import type { SlaMetric, SlaState } from "./sla-clock";

/**
 * A ticket's SLA as screens and the API show it, and how it reads at a given instant. The stored
 * clocks are computed at the ticket's last change; a clock still running past its due instant has
 * breached since, so every reading here takes `now`. Pure; safe in the browser.
 */

export type SlaTargetView = {
  metric: SlaMetric;
  state: SlaState;
  phase: "running" | "paused" | "stopped";
  targetMinutes: number;
  /** ISO instants. */
  dueAt: string | null;
  breachedAt: string | null;
  completedAt: string | null;
  /** Minutes on the clock left while it is paused (its due instant is unknown until it resumes). */
  remainingMinutes: number | null;
  /** For a clock stopped late: how late, fixed at the stop. */
  minutesLate: number | null;
};

export type TicketSlaView = {
  policy: string | null;
  nextBreachAt: string | null;
  firstReply: SlaTargetView | null;
  /** The unanswered cycle, else the latest finished one. */
  nextReply: SlaTargetView | null;
  resolution: SlaTargetView | null;
};

export const SLA_METRICS = ["firstReply", "nextReply", "resolution"] as const satisfies readonly SlaMetric[];
export const SLA_METRIC_LABELS: Record<SlaMetric, string> = { firstReply: "First reply", nextReply: "Next reply", resolution: "Resolution" };
export const SLA_STATE_LABELS: Record<SlaState, string> = { running: "Running", paused: "Paused", achieved: "Achieved", breached: "Breached" };

/** The ticket list's SLA views: a running clock past due, or due within the hour. */
export const SLA_VIEWS = ["breached", "due_soon"] as const;
export type SlaView = (typeof SLA_VIEWS)[number];
export const SLA_VIEW_LABELS: Record<SlaView, string> = { breached: "Breached", due_soon: "Breaching within 1 hour" };

/** "Breaching within 1 hour" and the warning colour share this horizon. */
export const SLA_SOON_MS = 60 * 60_000;
const MINUTE_MS = 60_000;

export type LiveTarget = {
  state: SlaState;
  breachedAt: string | null;
  /** Running: real time until due (negative once past). */
  msLeft: number | null;
  /** Breached: minutes late, as of `now` while the clock still runs. */
  minutesLate: number | null;
};

/** A target as it stands at `now`: a running clock whose due instant has passed is breached. */
export function liveTarget(target: SlaTargetView, now: Date): LiveTarget {
  if (target.phase === "running" && target.dueAt) {
    const msLeft = Date.parse(target.dueAt) - now.getTime();
    if (msLeft < 0 || target.breachedAt) {
      const breachedAt = target.breachedAt ?? target.dueAt;
      return { state: "breached", breachedAt, msLeft, minutesLate: Math.max(1, Math.ceil((now.getTime() - Date.parse(breachedAt)) / MINUTE_MS)) };
    }
    return { state: "running", breachedAt: null, msLeft, minutesLate: null };
  }
  return { state: target.state, breachedAt: target.breachedAt, msLeft: null, minutesLate: target.minutesLate };
}

/** What the list's SLA cell needs of each target: a page of tickets carries no more. */
export type SlaCountdownTarget = Pick<SlaTargetView, "metric" | "phase" | "dueAt">;

export function countdownTargets(sla: TicketSlaView | null): SlaCountdownTarget[] {
  if (!sla) return [];
  return SLA_METRICS.flatMap((metric) => {
    const target = sla[metric];
    return target ? [{ metric, phase: target.phase, dueAt: target.dueAt }] : [];
  });
}

export type SlaUrgency = { kind: "due"; metric: SlaMetric; dueAt: string; msLeft: number } | { kind: "paused" } | { kind: "none" };

/** The most urgent running target (the earliest due, overdue first), else whether a clock is paused. */
export function slaUrgency(targets: readonly SlaCountdownTarget[], now: Date): SlaUrgency {
  let urgent: SlaUrgency = { kind: "none" };
  for (const target of targets) {
    if (target.phase !== "running" || !target.dueAt) continue;
    const msLeft = Date.parse(target.dueAt) - now.getTime();
    if (urgent.kind !== "due" || msLeft < urgent.msLeft) urgent = { kind: "due", metric: target.metric, dueAt: target.dueAt, msLeft };
  }
  if (urgent.kind === "none" && targets.some((target) => target.phase === "paused")) return { kind: "paused" };
  return urgent;
}

/** "12 m", "1 h 12 m", "2 d 3 h": whole minutes, rounded up so that "1 m left" lasts until the due instant. */
export function formatSlaMinutes(minutes: number): string {
  const total = Math.max(1, Math.ceil(minutes));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const rest = total % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return rest > 0 ? `${hours} h ${rest} m` : `${hours} h`;
  return `${rest} m`;
}

/** "1 h 12 m left" or "Overdue 12 m". */
export function formatTimeLeft(msLeft: number): string {
  return msLeft < 0 ? `Overdue ${formatSlaMinutes(-msLeft / MINUTE_MS)}` : `${formatSlaMinutes(msLeft / MINUTE_MS)} left`;
}
