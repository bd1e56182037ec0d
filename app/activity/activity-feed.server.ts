import { and, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { AuthorType } from "../../db/tenant-tables";
import { decodeCursor, encodeCursor, type Page } from "../pagination.server";

export type ActivityItem = {
  id: number;
  action: string;
  /** `label` names the automation that acted as Conductor ("Trigger: Escalate VIP"), else null. */
  actor: { type: AuthorType; id: number | null; name: string; label: string | null };
  entityType: string;
  entityId: number | null;
  ticket: { number: number; subject: string } | null;
  customer: { id: number; name: string } | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  /** Names of the members an assignment change mentions, by id. */
  members: Record<string, string>;
  createdAt: Date;
};

type Scope = { ticketId?: number; customerId?: number };

/** Latest activity first: the workspace's tickets and customers, one ticket's history, or everything about one customer. */
export async function listActivity({ db, t }: TenantHandle, scope: Scope, options: { limit?: number; cursor?: string } = {}): Promise<Page<ActivityItem>> {
  const limit = options.limit ?? 20;
  const after = decodeCursor(options.cursor, 1);
  const rows = await db
    .select({
      id: t.activityLogs.id,
      action: t.activityLogs.action,
      actorType: t.activityLogs.actorType,
      actorUserId: t.activityLogs.actorUserId,
      actorCustomerId: t.activityLogs.actorCustomerId,
      actorLabel: t.activityLogs.actorLabel,
      actorUserName: t.users.name,
      entityType: t.activityLogs.entityType,
      entityId: t.activityLogs.entityId,
      ticketNumber: t.tickets.number,
      ticketSubject: t.tickets.subject,
      customerId: t.customers.id,
      customerName: t.customers.name,
      changes: t.activityLogs.changes,
      createdAt: t.activityLogs.createdAt,
    })
    .from(t.activityLogs)
    .leftJoin(t.users, eq(t.users.id, t.activityLogs.actorUserId))
    .leftJoin(t.tickets, eq(t.tickets.id, t.activityLogs.ticketId))
    .leftJoin(
      t.customers,
      sql`${t.customers.id} = case when ${t.activityLogs.entityType} = 'customer' then ${t.activityLogs.entityId} else coalesce(${t.tickets.customerId}, ${t.activityLogs.actorCustomerId}) end`,
    )
    .where(and(scopeCondition(t, scope), after ? lt(t.activityLogs.id, Number(after[0])) : undefined))
    .orderBy(desc(t.activityLogs.id))
    .limit(limit + 1);

  const memberIds = new Set<number>();
  for (const row of rows) {
    const change = row.changes?.assigneeId;
    for (const value of [change?.from, change?.to]) if (typeof value === "number") memberIds.add(value);
  }
  const members = memberIds.size
    ? Object.fromEntries(
        (
          await db
            .select({ id: t.users.id, name: t.users.name })
            .from(t.users)
            .where(inArray(t.users.id, [...memberIds]))
        ).map((m) => [String(m.id), m.name]),
      )
    : {};

  const items = rows.slice(0, limit).map((row): ActivityItem => ({
    id: row.id,
    action: row.action,
    actor: {
      type: row.actorType,
      id: row.actorType === "agent" ? row.actorUserId : row.actorType === "customer" ? row.actorCustomerId : null,
      name:
        row.actorType === "agent" ? (row.actorUserName ?? "A former member") : row.actorType === "customer" ? (row.customerName ?? "A customer") : "Conductor",
      label: row.actorLabel,
    },
    entityType: row.entityType,
    entityId: row.entityId,
    ticket: row.ticketNumber !== null ? { number: row.ticketNumber, subject: row.ticketSubject ?? "" } : null,
    customer: row.customerId !== null ? { id: row.customerId, name: row.customerName ?? "" } : null,
    changes: row.changes,
    members: pick(members, row.changes?.assigneeId),
    createdAt: row.createdAt,
  }));
  const last = rows.length > limit ? items.at(-1) : undefined;
  return { items, nextCursor: last ? encodeCursor([last.id]) : null };
}

function scopeCondition(t: TenantHandle["t"], scope: Scope): SQL | undefined {
  if (scope.ticketId !== undefined) return eq(t.activityLogs.ticketId, scope.ticketId);
  if (scope.customerId !== undefined) {
    return or(
      and(eq(t.activityLogs.entityType, "customer"), eq(t.activityLogs.entityId, scope.customerId)),
      inArray(t.activityLogs.ticketId, sql`(select ${t.tickets.id} from ${t.tickets} where ${t.tickets.customerId} = ${scope.customerId})`),
    );
  }
  // The workspace feed is about the work: tickets, their messages and customers, not sign-ins or settings.
  return inArray(t.activityLogs.entityType, ["ticket", "message", "customer"]);
}

function pick(members: Record<string, string>, change: { from: unknown; to: unknown } | undefined): Record<string, string> {
  if (!change) return {};
  return Object.fromEntries([change.from, change.to].filter((v) => typeof v === "number" && members[String(v)]).map((v) => [String(v), members[String(v)]!]));
}
