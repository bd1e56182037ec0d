import { and, arrayContains, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { TenantTables, TicketChannel, TicketPriority, TicketStatus } from "../../db/tenant-tables";
import { decodeCursor, encodeCursor, type Page } from "../pagination.server";
import { readTicketCounters, tabCounts } from "./ticket-counters.server";
import { STATUS_TABS, UNSOLVED_STATUSES, type StatusTab, type TicketFilters, type TicketSort } from "./ticket-schemas";
import { searchQuery } from "./ticket-search-document.server";

export type TicketListItem = {
  id: number;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  channel: TicketChannel;
  tags: string[];
  customer: { id: number; name: string; email: string };
  assignee: { id: number; name: string } | null;
  createdAt: Date;
  updatedAt: Date;
};

/** Beyond this many matches a tab shows "10,000+" instead of counting a large result to the end. */
export const COUNT_CAP = 10_000;

export const effectiveSort = (filters: Pick<TicketFilters, "q" | "sort">): TicketSort => {
  const sort = filters.sort ?? (filters.q ? "relevance" : "updated");
  return sort === "relevance" && !filters.q ? "updated" : sort;
};

/**
 * One page of the ticket list, newest (or most urgent, or most relevant) first, walked by keyset:
 * the cursor holds the last row's sort keys, so pages neither repeat nor skip rows while new
 * tickets arrive, and every page costs the same however deep it is.
 */
export async function listTickets(handle: TenantHandle, filters: TicketFilters, viewerId: number, limit = 50): Promise<Page<TicketListItem>> {
  const { db, t } = handle;
  const sort = effectiveSort(filters);
  const keys = sortKeys(t, sort, filters.q);
  const after = decodeCursor(filters.cursor, keys.length);
  const assignee = alias(t.users, "assignee");
  const rows = await db
    .select({
      id: t.tickets.id,
      number: t.tickets.number,
      subject: t.tickets.subject,
      status: t.tickets.status,
      priority: t.tickets.priority,
      channel: t.tickets.channel,
      tags: t.tickets.tags,
      customer: { id: t.customers.id, name: t.customers.name, email: t.customers.email },
      assigneeId: t.tickets.assigneeId,
      assigneeName: assignee.name,
      createdAt: t.tickets.createdAt,
      updatedAt: t.tickets.updatedAt,
      cursorKeys: sql<string[]>`array[${sql.join(
        keys.map((key) => sql`(${key.expression})::text`),
        sql`, `,
      )}]`,
    })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .leftJoin(assignee, eq(assignee.id, t.tickets.assigneeId))
    .where(and(...ticketConditions(t, filters, viewerId, { withStatus: true }), after ? keysetAfter(keys, after) : undefined))
    // NULLS LAST (the columns are NOT NULL either way) matches the indexes drizzle-kit creates, so
    // PostgreSQL can walk an index in order instead of sorting every matching row.
    .orderBy(...keys.map((key) => sql`${key.expression} desc nulls last`))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = rows.length > limit ? items.at(-1) : undefined;
  return {
    items: items.map(({ assigneeId, assigneeName, cursorKeys: _keys, ...item }) => ({
      ...item,
      assignee: assigneeId ? { id: assigneeId, name: assigneeName ?? "Former member" } : null,
    })),
    nextCursor: last ? encodeCursor(last.cursorKeys) : null,
  };
}

/**
 * Counts for the status tabs under the current filters. Filtered by assignee and priority only, they
 * come from the counters table; otherwise from the matching rows, capped at COUNT_CAP.
 */
export async function ticketTabCounts(
  handle: TenantHandle,
  filters: TicketFilters,
  viewerId: number,
): Promise<{ counts: Record<StatusTab, number>; capped: boolean }> {
  const { db, t } = handle;
  const narrowed = filters.customer || filters.tag || filters.channel || filters.q;
  if (!narrowed) {
    const assigneeId = filters.assignee === "any" ? undefined : filters.assignee === "unassigned" ? 0 : filters.assignee === "me" ? viewerId : filters.assignee;
    return { counts: tabCounts(await readTicketCounters(handle), { assigneeId, priority: filters.priority }), capped: false };
  }
  const matching = db
    .select({ status: t.tickets.status })
    .from(t.tickets)
    .where(and(...ticketConditions(t, filters, viewerId, { withStatus: false })))
    .limit(COUNT_CAP + 1)
    .as("matching");
  const rows = await db
    .select({ status: matching.status, count: sql<number>`count(*)::int` })
    .from(matching)
    .groupBy(matching.status);
  const counts = Object.fromEntries(STATUS_TABS.map((tab) => [tab, 0])) as Record<StatusTab, number>;
  for (const row of rows) {
    counts[row.status] += row.count;
    counts.all += row.count;
    if ((UNSOLVED_STATUSES as readonly string[]).includes(row.status)) counts.unsolved += row.count;
  }
  return { counts, capped: counts.all > COUNT_CAP };
}

function ticketConditions(t: TenantTables, filters: TicketFilters, viewerId: number, { withStatus }: { withStatus: boolean }): Array<SQL | undefined> {
  return [
    withStatus ? statusCondition(t, filters.status) : undefined,
    filters.priority ? eq(t.tickets.priority, filters.priority) : undefined,
    filters.assignee === "me"
      ? eq(t.tickets.assigneeId, viewerId)
      : filters.assignee === "unassigned"
        ? isNull(t.tickets.assigneeId)
        : filters.assignee !== "any"
          ? eq(t.tickets.assigneeId, filters.assignee)
          : undefined,
    filters.customer ? eq(t.tickets.customerId, filters.customer) : undefined,
    filters.tag ? arrayContains(t.tickets.tags, [filters.tag]) : undefined,
    filters.channel ? eq(t.tickets.channel, filters.channel) : undefined,
    filters.q ? sql`${t.tickets.searchDocument} @@ ${searchQuery(filters.q)}` : undefined,
  ];
}

function statusCondition(t: TenantTables, tab: StatusTab): SQL | undefined {
  if (tab === "all") return undefined;
  if (tab === "unsolved") return inArray(t.tickets.status, [...UNSOLVED_STATUSES]);
  return eq(t.tickets.status, tab);
}

type SortKey = { expression: SQL; cast: string };

/** The ordered keys of a sort, all descending, ending with the id so that every row has a unique position. */
function sortKeys(t: TenantTables, sort: TicketSort, q: string | undefined): SortKey[] {
  const id: SortKey = { expression: sql`${t.tickets.id}`, cast: "bigint" };
  switch (sort) {
    case "created":
      return [{ expression: sql`${t.tickets.createdAt}`, cast: "timestamptz" }, id];
    case "priority":
      return [
        { expression: sql`array_position(array['low', 'normal', 'high', 'urgent']::text[], ${t.tickets.priority})`, cast: "int" },
        { expression: sql`${t.tickets.updatedAt}`, cast: "timestamptz" },
        id,
      ];
    case "relevance":
      return [{ expression: sql`ts_rank(${t.tickets.searchDocument}, ${searchQuery(q ?? "")})`, cast: "real" }, id];
    case "updated":
      return [{ expression: sql`${t.tickets.updatedAt}`, cast: "timestamptz" }, id];
  }
}

/** `(k1, k2, …) < (v1, v2, …)`: a row comparison PostgreSQL can answer from the matching index. */
function keysetAfter(keys: SortKey[], values: string[]): SQL {
  const left = sql.join(
    keys.map((key) => key.expression),
    sql`, `,
  );
  const right = sql.join(
    keys.map((key, index) => sql`${values[index]}::${sql.raw(key.cast)}`),
    sql`, `,
  );
  return sql`(${left}) < (${right})`;
}
