import type { TicketPriority, StatusCategory } from "../../db/tenant-enums";
import { useTicketStatuses } from "~/hooks/use-ticket-statuses";
import { agentStatusLabel } from "~/ticket-statuses/ticket-status-catalog";
import { PRIORITY_LABELS } from "~/tickets/ticket-labels";

/** Coloured by category, so every status of a category reads as that category at a glance. */
const STATUS_STYLES: Record<StatusCategory, string> = {
  new: "bg-orange-100 text-orange-900 ring-orange-200",
  open: "bg-rose-100 text-rose-800 ring-rose-200",
  pending: "bg-sky-100 text-sky-800 ring-sky-200",
  on_hold: "bg-amber-100 text-amber-900 ring-amber-200",
  solved: "bg-emerald-100 text-emerald-800 ring-emerald-200",
  closed: "bg-slate-200 text-slate-700 ring-slate-300",
};

const PRIORITY_STYLES: Record<TicketPriority, string> = {
  low: "text-slate-600",
  normal: "text-slate-700",
  high: "text-orange-700 font-semibold",
  urgent: "text-white font-semibold bg-gradient-secondary rounded-full px-2",
};

/** A ticket's status by the name agents know it; `status` is the key, `category` its category. */
export function StatusBadge({ status, category }: { status: string; category: StatusCategory }) {
  const statuses = useTicketStatuses();
  return (
    <span
      data-status={status}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${STATUS_STYLES[category]}`}
    >
      {agentStatusLabel(statuses, status)}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: TicketPriority }) {
  return <span className={`inline-flex items-center text-xs ${PRIORITY_STYLES[priority]}`}>{PRIORITY_LABELS[priority]}</span>;
}

export function TagChip({ tag }: { tag: string }) {
  return <span className="inline-flex items-center rounded-md bg-brand-500/10 px-1.5 py-0.5 text-xs font-medium text-brand-700">{tag}</span>;
}
