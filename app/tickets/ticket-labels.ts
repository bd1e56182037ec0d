import { TICKET_STATUSES, type TicketChannel, type TicketPriority, type TicketStatus } from "../../db/tenant-enums";

/** The ticket vocabulary for screens: no zod here, so importing a label does not ship the validator. */

export const STATUS_TABS = ["unsolved", ...TICKET_STATUSES, "all"] as const;
export type StatusTab = (typeof STATUS_TABS)[number];
export const UNSOLVED_STATUSES = ["open", "pending", "on_hold"] as const;
export const TICKET_SORTS = ["updated", "created", "priority", "relevance", "next_breach"] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

export const STATUS_LABELS: Record<TicketStatus, string> = { open: "Open", pending: "Pending", on_hold: "On hold", solved: "Solved", closed: "Closed" };
export const TAB_LABELS: Record<StatusTab, string> = { unsolved: "Unsolved", ...STATUS_LABELS, all: "All" };
export const PRIORITY_LABELS: Record<TicketPriority, string> = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
export const CHANNEL_LABELS: Record<TicketChannel, string> = { web: "Web", email: "Email", portal: "Portal", api: "API", phone: "Phone" };
