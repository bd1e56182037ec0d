// The fixed vocabularies of tenant tables, free of drizzle so browser code can import them.
export const USER_ROLES = ["admin", "agent"] as const;
export type UserRole = (typeof USER_ROLES)[number];
/**
 * The fixed categories every rule reads (counters, tabs, the portal, reopening, SLA stops). Each
 * workspace's own statuses (ticket_statuses) belong to one; a category's built-in status has its name as key.
 */
export const STATUS_CATEGORIES = ["new", "open", "pending", "on_hold", "solved", "closed"] as const;
export type StatusCategory = (typeof STATUS_CATEGORIES)[number];
export const UNSOLVED_CATEGORIES = ["new", "open", "pending", "on_hold"] as const satisfies readonly StatusCategory[];
export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_CHANNELS = ["web", "email", "portal", "api", "phone"] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];
export const AUTHOR_TYPES = ["customer", "agent", "system"] as const;
/** How a team member came to exist: only explicitly chosen emails may be linked to an SSO identity. */
export const USER_ORIGINS = ["provisioning", "invite", "sso"] as const;
export type UserOrigin = (typeof USER_ORIGINS)[number];
export type AuthorType = (typeof AUTHOR_TYPES)[number];
export const OUTBOUND_EMAIL_STATUSES = ["pending", "sent", "failed"] as const;
export type OutboundEmailStatus = (typeof OUTBOUND_EMAIL_STATUSES)[number];
export const INBOUND_EMAIL_STATUSES = ["received", "processed", "failed"] as const;
export type InboundEmailStatus = (typeof INBOUND_EMAIL_STATUSES)[number];
