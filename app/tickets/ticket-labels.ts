import { STATUS_CATEGORIES, type TicketChannel, type TicketPriority } from "../../db/tenant-enums";
import { CATEGORY_LABELS } from "../ticket-statuses/ticket-status-catalog";

/** The ticket vocabulary for screens: no zod here, so importing a label does not ship the validator. */

export const STATUS_TABS = ["unsolved", ...STATUS_CATEGORIES, "all"] as const;
export type StatusTab = (typeof STATUS_TABS)[number];
export const TICKET_SORTS = ["updated", "created", "priority", "relevance", "next_breach"] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

/** The status tabs are the categories: a workspace's own statuses are filtered by, not tabbed. */
export const TAB_LABELS: Record<StatusTab, string> = { unsolved: "Unsolved", ...CATEGORY_LABELS, all: "All" };
export const PRIORITY_LABELS: Record<TicketPriority, string> = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
export const CHANNEL_LABELS: Record<TicketChannel, string> = { web: "Web", email: "Email", portal: "Portal", api: "API", phone: "Phone" };
