import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import type { ActivityItem } from "~/activity/activity-feed.server";
import { describeSlaAlert } from "~/service-levels/sla-alerts";
import type { SlaMetric } from "~/service-levels/sla-clock";
import { useTicketStatuses } from "~/hooks/use-ticket-statuses";
import { agentStatusLabel, type TicketStatusRecord } from "~/ticket-statuses/ticket-status-catalog";
import { PRIORITY_LABELS } from "~/tickets/ticket-labels";
import { RelativeTime } from "./relative-time";

/** `actor.label` names an automation ("Trigger: Escalate VIP") that acted as Conductor. */
type Serialized = Omit<ActivityItem, "createdAt" | "actor"> & { createdAt: Date | string; actor: ActivityItem["actor"] & { label?: string | null } };

/** Who did what to which ticket or customer, newest first. */
export function ActivityList({ items, emptyText = "Nothing has happened yet." }: { items: Serialized[]; emptyText?: string }) {
  const statuses = useTicketStatuses();
  if (items.length === 0) return <p className="text-sm text-slate-600">{emptyText}</p>;
  return (
    <ol className="space-y-3" aria-label="Activity">
      {items.map((item) => (
        <li key={item.id} className="flex gap-3 text-sm" data-testid="activity-entry">
          <span
            aria-hidden
            className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${item.actor.type === "customer" ? "bg-gradient-secondary" : "bg-gradient-primary"}`}
          />
          <div className="min-w-0">
            <p className="text-slate-800">{describe(item, statuses)}</p>
            <p className="text-xs text-slate-500">
              <RelativeTime date={item.createdAt} />
            </p>
          </div>
        </li>
      ))}
    </ol>
  );
}

const label = (field: string, value: unknown, statuses: TicketStatusRecord[]): string => {
  if (value === null || value === undefined) return "none";
  if (field === "status") return agentStatusLabel(statuses, String(value));
  if (field === "priority") return PRIORITY_LABELS[value as keyof typeof PRIORITY_LABELS] ?? String(value);
  if (Array.isArray(value)) return value.length ? value.join(", ") : "none";
  return String(value);
};

function describe(item: Serialized, statuses: TicketStatusRecord[]): ReactNode {
  const who = <strong className="font-semibold">{item.actor.label ?? item.actor.name}</strong>;
  const ticket = item.ticket ? (
    <Link to={`/tickets/${item.ticket.number}`} className="font-medium text-brand-700 hover:underline">
      #{item.ticket.number} {item.ticket.subject}
    </Link>
  ) : (
    "a ticket"
  );
  const customer = item.customer ? (
    <Link to={`/customers/${item.customer.id}`} className="font-medium text-brand-700 hover:underline">
      {item.customer.name}
    </Link>
  ) : (
    "a customer"
  );
  const change = (field: string) => item.changes?.[field];
  switch (item.action) {
    case "ticket.created":
      return (
        <>
          {who} created {ticket}
        </>
      );
    case "ticket.replied":
    case "ticket.customer_replied":
      return (
        <>
          {who} replied to {ticket}
        </>
      );
    case "ticket.note_added":
      return (
        <>
          {who} added an internal note to {ticket}
        </>
      );
    case "ticket.status_changed":
    case "ticket.priority_changed":
    case "ticket.subject_changed": {
      const field = item.action.slice("ticket.".length, -"_changed".length);
      const value = change(field);
      return (
        <>
          {who} changed the {field} of {ticket} from {label(field, value?.from, statuses)} to {label(field, value?.to, statuses)}
        </>
      );
    }
    case "ticket.tags_changed":
      return (
        <>
          {who} set the tags of {ticket} to {label("tags", change("tags")?.to, statuses)}
        </>
      );
    case "ticket.assigned": {
      const to = change("assigneeId")?.to;
      return to === null || to === undefined ? (
        <>
          {who} unassigned {ticket}
        </>
      ) : (
        <>
          {who} assigned {ticket} to {item.members[String(to)] ?? "a former member"}
        </>
      );
    }
    case "sla.breached":
    case "sla.warning": {
      const alert = change("sla")?.to as { metric: SlaMetric; dueAt: string; minutesLate: number | null } | undefined;
      if (!alert) return <>SLA alert on {ticket}</>;
      const kind = item.action === "sla.breached" ? "breach" : "warning";
      return (
        <>
          {describeSlaAlert({ kind, metric: alert.metric, dueAt: new Date(alert.dueAt), minutesLate: alert.minutesLate }, new Date(item.createdAt))} on {ticket}
        </>
      );
    }
    case "trigger.fired": {
      const done = (change("trigger")?.to as { actions?: unknown } | undefined)?.actions;
      const actions = Array.isArray(done) ? done.filter((entry): entry is string => typeof entry === "string") : [];
      return (
        <>
          {who} ran on {ticket}
          {actions.length ? `: ${actions.join(", ")}` : ""}
        </>
      );
    }
    case "trigger.loop_stopped":
      return (
        <>
          {who} would have changed {ticket} again and was stopped: a trigger runs at most once per change, so triggers cannot undo each other in a loop
        </>
      );
    case "trigger.chain_cut": {
      const limit = (change("chain")?.to as { limit?: unknown } | undefined)?.limit;
      return (
        <>
          Warning: the change {who} made to {ticket} fired no further triggers, since a chain of triggers stops after {typeof limit === "number" ? limit : 5}{" "}
          steps
        </>
      );
    }
    case "customer.created":
      return (
        <>
          {who} added the customer {customer}
        </>
      );
    case "customer.updated":
      return (
        <>
          {who} updated {Object.keys(item.changes ?? {}).join(", ")} of {customer}
        </>
      );
    default:
      return (
        <>
          {who}: {item.action.replace(/[._]/g, " ")}
        </>
      );
  }
}
