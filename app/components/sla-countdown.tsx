import { useEffect, useState } from "react";
import { formatTimeLeft, SLA_METRIC_LABELS, SLA_SOON_MS, slaUrgency, type SlaCountdownTarget } from "~/service-levels/sla-display";

const TICK_MS = 30_000;

/**
 * The current time for SLA clocks: the server's `now` on the server and in the first browser render
 * (so hydration sees the same text), then the browser's, every 30 seconds.
 */
export function useTickingNow(serverNow: string): Date {
  const [now, setNow] = useState(() => new Date(serverNow));
  useEffect(() => {
    setNow(new Date());
    const timer = setInterval(() => setNow(new Date()), TICK_MS);
    return () => clearInterval(timer);
  }, [serverNow]);
  return now;
}

const URGENCY_STYLES = {
  overdue: "bg-rose-100 text-rose-800 ring-rose-200",
  soon: "bg-amber-100 text-amber-900 ring-amber-200",
  later: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  paused: "bg-slate-100 text-slate-700 ring-slate-200",
};

/** The list's SLA cell: the most urgent running target, as time left or overdue (the text carries it, the colour repeats it). */
export function SlaCountdown({ targets, now }: { targets: readonly SlaCountdownTarget[]; now: Date }) {
  const urgency = slaUrgency(targets, now);
  const badge = "inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset";
  if (urgency.kind === "none") {
    return (
      <span className="text-slate-500" data-testid="sla-cell">
        <span aria-hidden>—</span>
        <span className="sr-only">No running SLA target</span>
      </span>
    );
  }
  if (urgency.kind === "paused") {
    return (
      <span className={`${badge} ${URGENCY_STYLES.paused}`} data-testid="sla-cell">
        Paused
      </span>
    );
  }
  const style = urgency.msLeft < 0 ? URGENCY_STYLES.overdue : urgency.msLeft <= SLA_SOON_MS ? URGENCY_STYLES.soon : URGENCY_STYLES.later;
  return (
    <time dateTime={urgency.dueAt} title={`${SLA_METRIC_LABELS[urgency.metric]} target`} className={`${badge} ${style}`} data-testid="sla-cell">
      {formatTimeLeft(urgency.msLeft)}
    </time>
  );
}
