import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listActivity } from "~/activity/activity-feed.server";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { ActivityList } from "~/components/activity-list";
import { PageHeader } from "~/components/page-header";
import { PanelErrorBoundary } from "~/components/route-error";
import { VolumeChart } from "~/components/volume-chart";
import { dashboardStats, type Trend } from "~/dashboard/dashboard-stats.server";
import type { SlaAchievement } from "~/service-levels/sla-achievement.server";
import type { SlaMetric } from "~/service-levels/sla-clock";
import { formatDuration, percentChange } from "~/dashboard/format-duration";

export const handle = access("agent");
export const meta: MetaFunction = () => [{ title: "Dashboard · Conductor" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  const [stats, activity] = await Promise.all([dashboardStats(context.db, user.id), listActivity(context.db, {}, { limit: 20 })]);
  return { firstName: user.name.split(" ")[0], stats, activity: activity.items };
}

type CardProps = { label: string; value: string; href?: string; accent: string; trend?: Trend; lowerIsBetter?: boolean; trendLabel?: string };

export default function Dashboard() {
  const { firstName, stats, activity } = useLoaderData<typeof loader>();
  const cards: CardProps[] = [
    { label: "New", value: String(stats.new), href: "/tickets?status=new", accent: "bg-gradient-secondary" },
    {
      label: "Open",
      value: String(stats.open),
      href: "/tickets?status=open",
      accent: "bg-gradient-primary",
      trend: stats.created7d,
      trendLabel: "new tickets, 7 days vs the 7 before",
    },
    { label: "Unassigned", value: String(stats.unassigned), href: "/tickets?assignee=unassigned", accent: "bg-gradient-secondary" },
    { label: "Pending", value: String(stats.pending), href: "/tickets?status=pending", accent: "bg-gradient-primary" },
    {
      label: "Solved today",
      value: String(stats.solvedToday.current ?? 0),
      href: "/tickets?status=solved",
      accent: "bg-gradient-success",
      trend: stats.solvedToday,
      trendLabel: "vs the same time a week ago",
    },
    {
      label: "First response (median, 7 days)",
      value: formatDuration(stats.medianFirstResponseSeconds.current),
      accent: "bg-gradient-success",
      trend: stats.medianFirstResponseSeconds,
      lowerIsBetter: true,
      trendLabel: "vs the 7 days before",
    },
    {
      label: "Resolution (median, 7 days)",
      value: formatDuration(stats.medianResolutionSeconds.current),
      accent: "bg-gradient-secondary",
      trend: stats.medianResolutionSeconds,
      lowerIsBetter: true,
      trendLabel: "vs the 7 days before",
    },
  ];
  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader
        title={`Welcome back, ${firstName}`}
        description="Where your team's tickets stand right now."
        actions={
          <Link to="/tickets/new" className="rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow">
            New ticket
          </Link>
        }
      />
      <section className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" aria-label="Metrics">
        {cards.map((card) => (
          <MetricCard key={card.label} {...card} />
        ))}
      </section>
      <SlaAchievementSection sla={stats.sla} />
      <div className="mt-6 grid items-start gap-6 lg:grid-cols-[3fr_2fr]">
        <section className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="volume-heading">
          <h2 id="volume-heading" className="text-lg font-semibold text-slate-900">
            Created vs solved, last 30 days
          </h2>
          <div className="mt-4">
            <VolumeChart days={stats.volume} />
          </div>
        </section>
        <section className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="activity-heading">
          <h2 id="activity-heading" className="text-lg font-semibold text-slate-900">
            Latest activity
          </h2>
          <div className="mt-4" data-testid="activity-feed">
            <ActivityList items={activity} emptyText="No activity yet. New tickets and replies will show up here." />
          </div>
        </section>
      </div>
    </div>
  );
}

function MetricCard({ label, value, href, accent, trend, lowerIsBetter, trendLabel }: CardProps) {
  const change = trend ? percentChange(trend.current, trend.previous) : null;
  const good = change === null || change === 0 ? null : lowerIsBetter ? change < 0 : change > 0;
  const body = (
    <>
      <div className={`h-1.5 ${accent}`} />
      <div className="p-5">
        <p className="text-sm font-medium text-slate-600">{label}</p>
        <p className="mt-1 text-3xl font-bold tabular-nums text-slate-900" data-testid={`metric-${label.split(" ")[0]!.toLowerCase()}`}>
          {value}
        </p>
        {trend ? (
          <p className="mt-1 text-xs text-slate-600">
            {change === null ? (
              <span>No earlier data to compare</span>
            ) : (
              <span className={good === null ? "" : good ? "font-semibold text-emerald-700" : "font-semibold text-rose-700"}>
                {change > 0 ? "▲" : change < 0 ? "▼" : "■"} {Math.abs(change)}%
              </span>
            )}{" "}
            {change === null ? null : trendLabel}
          </p>
        ) : null}
      </div>
    </>
  );
  return (
    <div className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm transition hover:shadow-md">
      {href ? (
        <Link to={href} className="block focus-visible:outline-offset-[-3px]">
          {body}
        </Link>
      ) : (
        body
      )}
    </div>
  );
}

export const ErrorBoundary = PanelErrorBoundary;

const SLA_TARGET_LABELS: Record<SlaMetric, string> = { firstReply: "First reply", nextReply: "Next reply", resolution: "Resolution" };

/** Share of SLA targets met, 7 days against the 7 before; shown once any target has been judged. */
function SlaAchievementSection({ sla }: { sla: SlaAchievement }) {
  const metrics = (Object.keys(SLA_TARGET_LABELS) as SlaMetric[]).filter((metric) => sla[metric].current.judged + sla[metric].previous.judged > 0);
  if (metrics.length === 0) return null;
  const percent = ({ achieved, judged }: { achieved: number; judged: number }) => (judged === 0 ? null : Math.round((achieved / judged) * 100));
  return (
    <section className="mt-6 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="sla-heading">
      <h2 id="sla-heading" className="text-lg font-semibold text-slate-900">
        SLA achieved, last 7 days
      </h2>
      <dl className="mt-4 grid gap-4 sm:grid-cols-3">
        {metrics.map((metric) => {
          const current = percent(sla[metric].current);
          const previous = percent(sla[metric].previous);
          return (
            <div key={metric} data-testid={`sla-achieved-${metric}`}>
              <dt className="text-sm font-medium text-slate-600">{SLA_TARGET_LABELS[metric]}</dt>
              <dd className="mt-1 text-2xl font-bold tabular-nums text-slate-900">{current === null ? "—" : `${current}%`}</dd>
              <dd className="text-xs text-slate-600">
                {sla[metric].current.achieved} of {sla[metric].current.judged} met
                {previous === null ? "" : ` · ${previous}% the 7 days before`}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}
