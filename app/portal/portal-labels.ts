import type { TicketStatus } from "../../db/tenant-enums";

/** How a ticket's status reads to the customer who sent it. */
export const CUSTOMER_STATUS_LABELS: Record<TicketStatus, string> = {
  open: "Open",
  pending: "Awaiting your reply",
  on_hold: "In progress",
  solved: "Solved",
  closed: "Closed",
};
