import type * as z from "zod";
import type { ActivityItem } from "../activity/activity-feed.server";
import type { CurrentUser } from "../auth/current-user";
import type { CustomerSummary } from "../customers/customers.server";
import type { DashboardStats } from "../dashboard/dashboard-stats.server";
import { AppError } from "../app-error";
import { decodeCursor, encodeCursor, type Page } from "../pagination.server";
import { liveTarget, type SlaTargetView, type TicketSlaView } from "../service-levels/sla-display";
import type { TicketDetail, TicketMessage } from "../tickets/ticket-detail.server";
import type { TicketListItem } from "../tickets/ticket-list.server";
import type { TicketStatusRecord } from "../ticket-statuses/ticket-status-catalog";
import type { WebhookDelivery, WebhookSummary } from "../webhooks/webhooks.server";
import type {
  activitySchema,
  customerSchema,
  dashboardStatsSchema,
  memberSchema,
  messageSchema,
  ticketSchema,
  ticketStatusSchema,
  ticketSummarySchema,
  webhookDeliverySchema,
  webhookSchema,
  webhookWithSecretSchema,
} from "./api-schemas";

/**
 * Domain rows to the documented JSON shapes: each field picked by name (a new column never leaks
 * out by accident) and every date as an ISO string. The return types are the response schemas'.
 */

type Json<S extends z.ZodType> = z.input<S>;

const iso = (value: Date | string) => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));

/** The SLA as of `now`: a clock that ran past its due time since it was computed reads as breached. */
export function slaJson(sla: TicketSlaView | null, now = new Date()) {
  const target = (view: SlaTargetView | null) => {
    if (!view) return null;
    const live = liveTarget(view, now);
    return { state: live.state, dueAt: view.dueAt, breachedAt: live.breachedAt, completedAt: view.completedAt, targetMinutes: view.targetMinutes };
  };
  return {
    policy: sla?.policy ?? null,
    nextBreachAt: sla?.nextBreachAt ?? null,
    firstReply: target(sla?.firstReply ?? null),
    nextReply: target(sla?.nextReply ?? null),
    resolution: target(sla?.resolution ?? null),
  };
}

export const pageJson = <T, J>(page: Page<T>, item: (value: T) => J) => ({ data: page.items.map(item), nextCursor: page.nextCursor });

export const memberJson = (user: CurrentUser): Json<typeof memberSchema> => ({ id: user.id, email: user.email, name: user.name, role: user.role });

export function ticketSummaryJson(ticket: TicketListItem): Json<typeof ticketSummarySchema> {
  return {
    number: ticket.number,
    subject: ticket.subject,
    status: ticket.status,
    statusCategory: ticket.statusCategory,
    priority: ticket.priority,
    channel: ticket.channel,
    tags: ticket.tags,
    assigneeId: ticket.assignee?.id ?? null,
    assignee: ticket.assignee ? { id: ticket.assignee.id, name: ticket.assignee.name } : null,
    customer: { id: ticket.customer.id, name: ticket.customer.name, email: ticket.customer.email },
    sla: slaJson(ticket.sla),
    createdAt: iso(ticket.createdAt),
    updatedAt: iso(ticket.updatedAt),
  };
}

export function ticketJson(ticket: TicketDetail): Json<typeof ticketSchema> {
  return {
    number: ticket.number,
    version: ticket.version,
    subject: ticket.subject,
    status: ticket.status,
    statusCategory: ticket.statusCategory,
    priority: ticket.priority,
    channel: ticket.channel,
    tags: ticket.tags,
    assigneeId: ticket.assigneeId,
    customer: { id: ticket.customer.id, name: ticket.customer.name, email: ticket.customer.email, company: ticket.customer.company },
    firstResponseAt: isoOrNull(ticket.firstResponseAt),
    solvedAt: isoOrNull(ticket.solvedAt),
    sla: slaJson(ticket.sla),
    createdAt: iso(ticket.createdAt),
    updatedAt: iso(ticket.updatedAt),
  };
}

export function ticketStatusJson(status: TicketStatusRecord): Json<typeof ticketStatusSchema> {
  return {
    key: status.key,
    category: status.category,
    agentLabel: status.agentLabel,
    customerLabel: status.customerLabel,
    position: status.position,
    active: status.active,
    builtIn: status.builtIn,
  };
}

export function messageJson(message: TicketMessage): Json<typeof messageSchema> {
  return {
    id: message.id,
    authorType: message.authorType,
    authorName: message.authorName,
    internal: message.internal,
    body: message.body,
    createdAt: iso(message.createdAt),
  };
}

export function customerJson(customer: CustomerSummary): Json<typeof customerSchema> {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    company: customer.company,
    phone: customer.phone,
    unsolvedTickets: customer.unsolvedTickets,
    createdAt: iso(customer.createdAt),
    updatedAt: iso(customer.updatedAt),
  };
}

export function activityJson(item: ActivityItem): Json<typeof activitySchema> {
  return {
    id: item.id,
    action: item.action,
    actor: { type: item.actor.type, id: item.actor.id, name: item.actor.label ?? item.actor.name },
    entityType: item.entityType,
    entityId: item.entityId,
    ticket: item.ticket ? { number: item.ticket.number, subject: item.ticket.subject } : null,
    customer: item.customer ? { id: item.customer.id, name: item.customer.name } : null,
    changes: item.changes,
    members: item.members,
    createdAt: iso(item.createdAt),
  };
}

export function dashboardStatsJson(stats: DashboardStats): Json<typeof dashboardStatsSchema> {
  const trend = ({ current, previous }: { current: number | null; previous: number | null }) => ({ current, previous });
  return {
    new: stats.new,
    open: stats.open,
    unassigned: stats.unassigned,
    pending: stats.pending,
    created7d: trend(stats.created7d),
    solvedToday: trend(stats.solvedToday),
    medianFirstResponseSeconds: trend(stats.medianFirstResponseSeconds),
    medianResolutionSeconds: trend(stats.medianResolutionSeconds),
    volume: stats.volume.map(({ day, created, solved }) => ({ day, created, solved })),
    generatedAt: iso(stats.generatedAt),
  };
}

/** A webhook without its secret: only creating it and rotating the secret answer that (see webhookWithSecretJson). */
export function webhookJson(webhook: WebhookSummary): Json<typeof webhookSchema> {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description,
    events: webhook.events,
    active: webhook.active,
    disabledReason: webhook.disabledReason,
    createdAt: iso(webhook.createdAt),
    updatedAt: iso(webhook.updatedAt),
    lastDelivery: webhook.lastDelivery
      ? { status: webhook.lastDelivery.status, responseStatus: webhook.lastDelivery.responseStatus, createdAt: iso(webhook.lastDelivery.createdAt) }
      : null,
  };
}

export const webhookWithSecretJson = (webhook: WebhookSummary, secret: string): Json<typeof webhookWithSecretSchema> => ({ ...webhookJson(webhook), secret });

export function webhookDeliveryJson(delivery: WebhookDelivery): Json<typeof webhookDeliverySchema> {
  return {
    id: delivery.id,
    messageId: delivery.messageId,
    event: delivery.event,
    status: delivery.status,
    attempts: delivery.attempts,
    responseStatus: delivery.responseStatus,
    durationMs: delivery.durationMs,
    responseExcerpt: delivery.responseExcerpt,
    lastError: delivery.lastError,
    lastAttemptAt: isoOrNull(delivery.lastAttemptAt),
    deliveredAt: isoOrNull(delivery.deliveredAt),
    createdAt: iso(delivery.createdAt),
    payload: delivery.payload,
  };
}

/**
 * One page of a list the domain returns whole (a ticket's thread), in the same cursor format as
 * the keyset lists: the cursor holds the id of the last item on the previous page.
 */
export function pageOf<T extends { id: number }>(items: T[], { cursor, limit }: { cursor?: string; limit: number }): Page<T> {
  let start = 0;
  const after = decodeCursor(cursor, 1);
  if (after) {
    start = items.findIndex((item) => String(item.id) === after[0]) + 1;
    if (start === 0) throw new AppError("invalid_cursor", "That page cursor is not valid for this list. Start again from the first page.", { field: "cursor" });
  }
  const slice = items.slice(start, start + limit);
  const last = slice.at(-1);
  return { items: slice, nextCursor: start + limit < items.length && last ? encodeCursor([last.id]) : null };
}
