import type { TicketStatus } from "../../db/tenant-enums";
import { CUSTOMER_STATUS_LABELS } from "~/portal/portal-labels";

const STYLES: Record<TicketStatus, string> = {
  open: "bg-sky-100 text-sky-800 ring-sky-200",
  pending: "bg-amber-100 text-amber-900 ring-amber-200",
  on_hold: "bg-violet-100 text-violet-800 ring-violet-200",
  solved: "bg-emerald-100 text-emerald-800 ring-emerald-200",
  closed: "bg-slate-200 text-slate-700 ring-slate-300",
};

export function PortalStatusBadge({ status }: { status: TicketStatus }) {
  return (
    <span
      data-testid="portal-status"
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${STYLES[status]}`}
    >
      {CUSTOMER_STATUS_LABELS[status]}
    </span>
  );
}
