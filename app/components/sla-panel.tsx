import type { SlaState } from "~/service-levels/sla-clock";
import {
  formatSlaMinutes,
  liveTarget,
  SLA_METRIC_LABELS,
  SLA_METRICS,
  SLA_STATE_LABELS,
  type SlaTargetView,
  type TicketSlaView,
} from "~/service-levels/sla-display";
import type { PolicyPeriod } from "~/service-levels/ticket-sla-view.server";
import { LocalTime } from "./local-time";
import { useTickingNow } from "./sla-countdown";

const STATE_STYLES: Record<SlaState, string> = {
  running: "bg-sky-100 text-sky-800 ring-sky-200",
  paused: "bg-slate-100 text-slate-700 ring-slate-200",
  achieved: "bg-emerald-100 text-emerald-800 ring-emerald-200",
  breached: "bg-rose-100 text-rose-800 ring-rose-200",
};

/** The ticket's SLA beside its properties: the policy, and each target's state, due time and time left or late. */
export function SlaPanel({ sla, history, serverNow }: { sla: TicketSlaView | null; history: PolicyPeriod[]; serverNow: string }) {
  const now = useTickingNow(serverNow);
  const targets = sla ? SLA_METRICS.map((metric) => sla[metric]).filter((target): target is SlaTargetView => target !== null) : [];
  return (
    <section className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="sla-heading" data-testid="sla-panel">
      <h2 id="sla-heading" className="text-xs font-semibold uppercase tracking-wide text-slate-500">
        SLA
      </h2>
      {sla?.policy ? <p className="mt-2 text-sm font-semibold text-slate-900">{sla.policy}</p> : null}
      {targets.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">{sla?.policy ? "This policy sets no targets for this ticket." : "No SLA policy applies to this ticket."}</p>
      ) : (
        <ul className="mt-3 space-y-3 text-sm">
          {targets.map((target) => (
            <SlaTargetRow key={target.metric} target={target} now={now} />
          ))}
        </ul>
      )}
      {history.length > 1 ? (
        <div className="mt-4 border-t border-slate-100 pt-3" data-testid="sla-policy-history">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Policies applied</h3>
          <ol className="mt-1 space-y-0.5 text-sm text-slate-600">
            {history.map((period) => (
              <li key={period.from}>
                {period.policy ?? "No policy"} from <LocalTime iso={period.from} />
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}

function SlaTargetRow({ target, now }: { target: SlaTargetView; now: Date }) {
  const live = liveTarget(target, now);
  return (
    <li data-testid={`sla-${target.metric}`}>
      <div className="flex items-center justify-between gap-2">
        <span className="font-medium text-slate-800">{SLA_METRIC_LABELS[target.metric]}</span>
        <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${STATE_STYLES[live.state]}`}>
          {SLA_STATE_LABELS[live.state]}
        </span>
      </div>
      <p className="mt-0.5 text-slate-600">
        <TargetDetail target={target} live={live} />
      </p>
    </li>
  );
}

function TargetDetail({ target, live }: { target: SlaTargetView; live: ReturnType<typeof liveTarget> }) {
  const within = `Target ${formatSlaMinutes(target.targetMinutes)}`;
  switch (live.state) {
    case "running":
      return (
        <>
          Due <LocalTime iso={target.dueAt!} /> · {formatSlaMinutes((live.msLeft ?? 0) / 60_000)} left
        </>
      );
    case "breached":
      return (
        <>
          {live.breachedAt ? (
            <>
              Was due <LocalTime iso={live.breachedAt} /> ·{" "}
            </>
          ) : null}
          {live.minutesLate === null ? "late" : `${formatSlaMinutes(live.minutesLate)} late`}
        </>
      );
    case "paused":
      return <>{target.remainingMinutes === null ? within : `${formatSlaMinutes(target.remainingMinutes)} left when it resumes`}</>;
    case "achieved":
      return target.completedAt ? (
        <>
          Met <LocalTime iso={target.completedAt} />
        </>
      ) : (
        <>{within}</>
      );
  }
}
