import type { StatusCategory } from "../../db/tenant-enums";

const STYLES: Record<StatusCategory, string> = {
  new: "bg-sky-100 text-sky-800 ring-sky-200",
  open: "bg-sky-100 text-sky-800 ring-sky-200",
  pending: "bg-amber-100 text-amber-900 ring-amber-200",
  on_hold: "bg-violet-100 text-violet-800 ring-violet-200",
  solved: "bg-emerald-100 text-emerald-800 ring-emerald-200",
  closed: "bg-slate-200 text-slate-700 ring-slate-300",
};

/** A request's status as its customer reads it: the workspace's customer label, coloured by category. */
export function PortalStatusBadge({ label, category }: { label: string; category: StatusCategory }) {
  return (
    <span
      data-testid="portal-status"
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${STYLES[category]}`}
    >
      {label}
    </span>
  );
}
