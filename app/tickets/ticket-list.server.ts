import { and, arrayContains, eq, gte, inArray, isNotNull, isNull, lt, lte, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { TenantTables, TicketChannel, TicketPriority, StatusCategory } from "../../db/tenant-tables";
import { AppError } from "../app-error";
import { decodeCursor, encodeCursor, type Page } from "../pagination.server";
import { SLA_SOON_MS, type TicketSlaView } from "../service-levels/sla-display";
import { ticketSlaColumns, withTicketSla } from "../service-levels/ticket-sla-view.server";
import { readTicketCounters, tabCounts } from "./ticket-counters.server";
import { STATUS_TABS, UNSOLVED_CATEGORIES, type StatusTab, type TicketFilters, type TicketSort } from "./ticket-schemas";
import { searchQuery } from "./ticket-search-document.server";

export type TicketListItem = {
  id: number;
  number: number;
  subject: string;
  /** The status key, and its category. */
  status: string;
  statusCategory: StatusCategory;
  priority: TicketPriority;
  channel: TicketChannel;
  tags: string[];
  customer: { id: number; name: string; email: string };
  assignee: { id: number; name: string } | null;
  sla: TicketSlaView | null;
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
 * One page of the ticket list, newest (or most urgent, or most relevant, or breaching next) first,
 * walked by keyset: the cursor holds the last row's sort keys, so pages neither repeat nor skip rows
 * while new tickets arrive, and every page costs the same however deep it is. A sort made of
 * segments (next breach: running clocks, then the rest) walks them in turn, and its cursor starts
 * with the segment of the last row. `now` decides which clocks are past due.
 */
export async function listTickets(handle: TenantHandle, filters: TicketFilters, viewerId: number, limit = 50, now = new Date()): Promise<Page<TicketListItem>> {
  const segments = sortSegments(handle.t, effectiveSort(filters), filters.q);
  const segmented = segments.length > 1;
  const cursor = decodeCursor(filters.cursor, segments[0]!.keys.length + (segmented ? 1 : 0));
  const start = segmented && cursor ? segmentOfCursor(cursor[0]!, segments.length) : 0;
  const after = segmented && cursor ? cursor.slice(1) : cursor;
  const rows: Array<Awaited<ReturnType<typeof segmentRows>>[number] & { segment: number }> = [];
  for (let index = start; index < segments.length && rows.length <= limit; index++) {
    const segment = segments[index]!;
    // The SLA views hold only tickets with a running clock: a segment without one cannot match.
    if (filters.sla && !segment.runningClocks) continue;
    const found = await segmentRows(handle, filters, viewerId, now, segment, index === start ? after : null, limit + 1 - rows.length);
    rows.push(...found.map((row) => ({ ...row, segment: index })));
  }
  const items = rows.slice(0, limit);
  const last = rows.length > limit ? items.at(-1) : undefined;
  return {
    items: items.map(({ assigneeId, assigneeName, cursorKeys: _keys, segment: _segment, ...item }) =>
      withTicketSla({ ...item, assignee: assigneeId ? { id: assigneeId, name: assigneeName ?? "Former member" } : null }),
    ),
    nextCursor: last ? encodeCursor(segmented ? [String(last.segment), ...last.cursorKeys] : last.cursorKeys) : null,
  };
}

async function segmentRows(
  { db, t }: TenantHandle,
  filters: TicketFilters,
  viewerId: number,
  now: Date,
  segment: SortSegment,
  after: string[] | null,
  limit: number,
) {
  const assignee = alias(t.users, "assignee");
  const { keys, direction } = segment;
  return (
    db
      .select({
        id: t.tickets.id,
        number: t.tickets.number,
        subject: t.tickets.subject,
        status: t.tickets.statusKey,
        statusCategory: t.tickets.statusCategory,
        priority: t.tickets.priority,
        channel: t.tickets.channel,
        tags: t.tickets.tags,
        customer: { id: t.customers.id, name: t.customers.name, email: t.customers.email },
        assigneeId: t.tickets.assigneeId,
        assigneeName: assignee.name,
        createdAt: t.tickets.createdAt,
        updatedAt: t.tickets.updatedAt,
        ...ticketSlaColumns(t),
        cursorKeys: sql<string[]>`array[${sql.join(
          keys.map((key) => sql`(${key.expression})::text`),
          sql`, `,
        )}]`,
      })
      .from(t.tickets)
      .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
      .leftJoin(assignee, eq(assignee.id, t.tickets.assigneeId))
      .leftJoin(t.ticketSlas, eq(t.ticketSlas.ticketId, t.tickets.id))
      .where(and(...ticketConditions(t, filters, viewerId, now, { withStatus: true }), segment.where, after ? keysetAfter(segment, after) : undefined))
      // NULLS LAST (the columns are NOT NULL either way) matches the indexes drizzle-kit creates, so
      // PostgreSQL can walk an index in order instead of sorting every matching row.
      .orderBy(...keys.map((key) => (direction === "desc" ? sql`${key.expression} desc nulls last` : sql`${key.expression} asc`)))
      .limit(limit)
  );
}

function segmentOfCursor(value: string, segments: number): number {
  const index = Number(value);
  if (Number.isInteger(index) && index >= 0 && index < segments) return index;
  throw new AppError("invalid_cursor", "That page cursor is not valid for this list. Start again from the first page.", { field: "cursor" });
}

/**
 * Counts for the status tabs under the current filters. Filtered by assignee and priority only, they
 * come from the counters table; otherwise from the matching rows, capped at COUNT_CAP.
 */
export async function ticketTabCounts(
  handle: TenantHandle,
  filters: TicketFilters,
  viewerId: number,
  now = new Date(),
): Promise<{ counts: Record<StatusTab, number>; capped: boolean }> {
  const { db, t } = handle;
  const narrowed = filters.statusKey || filters.customer || filters.tag || filters.channel || filters.q || filters.sla;
  if (!narrowed) {
    const assigneeId = filters.assignee === "any" ? undefined : filters.assignee === "unassigned" ? 0 : filters.assignee === "me" ? viewerId : filters.assignee;
    return { counts: tabCounts(await readTicketCounters(handle), { assigneeId, priority: filters.priority }), capped: false };
  }
  const matching = db
    .select({ status: t.tickets.statusCategory })
    .from(t.tickets)
    .leftJoin(t.ticketSlas, eq(t.ticketSlas.ticketId, t.tickets.id))
    .where(and(...ticketConditions(t, filters, viewerId, now, { withStatus: false })))
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
    if ((UNSOLVED_CATEGORIES as readonly string[]).includes(row.status)) counts.unsolved += row.count;
  }
  return { counts, capped: counts.all > COUNT_CAP };
}

/** The filters as conditions on tickets LEFT JOIN ticket_slas. */
function ticketConditions(
  t: TenantTables,
  filters: TicketFilters,
  viewerId: number,
  now: Date,
  { withStatus }: { withStatus: boolean },
): Array<SQL | undefined> {
  return [
    withStatus ? statusCondition(t, filters.status) : undefined,
    filters.statusKey ? eq(t.tickets.statusKey, filters.statusKey) : undefined,
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
    filters.sla === "breached" ? lt(t.ticketSlas.nextBreachAt, now) : undefined,
    filters.sla === "due_soon" ? and(gte(t.ticketSlas.nextBreachAt, now), lte(t.ticketSlas.nextBreachAt, new Date(now.getTime() + SLA_SOON_MS))) : undefined,
  ];
}

function statusCondition(t: TenantTables, tab: StatusTab): SQL | undefined {
  if (tab === "all") return undefined;
  if (tab === "unsolved") return inArray(t.tickets.statusCategory, [...UNSOLVED_CATEGORIES]);
  return eq(t.tickets.statusCategory, tab);
}

type SortKey = { expression: SQL; cast: string };
/** Rows matching `where`, ordered by `keys` all in one direction, the last key unique (the id). */
type SortSegment = { where?: SQL; keys: SortKey[]; direction: "asc" | "desc"; runningClocks: boolean };

/** The segments of a sort, walked in turn; every segment of a sort has as many keys. */
function sortSegments(t: TenantTables, sort: TicketSort, q: string | undefined): SortSegment[] {
  const id: SortKey = { expression: sql`${t.tickets.id}`, cast: "bigint" };
  const updated: SortKey = { expression: sql`${t.tickets.updatedAt}`, cast: "timestamptz" };
  const descending = (keys: SortKey[]): SortSegment[] => [{ keys, direction: "desc", runningClocks: true }];
  switch (sort) {
    case "created":
      return descending([{ expression: sql`${t.tickets.createdAt}`, cast: "timestamptz" }, id]);
    case "priority":
      return descending([
        { expression: sql`array_position(array['low', 'normal', 'high', 'urgent']::text[], ${t.tickets.priority})`, cast: "int" },
        updated,
        id,
      ]);
    case "relevance":
      return descending([{ expression: sql`ts_rank(${t.tickets.searchDocument}, ${searchQuery(q ?? "")})`, cast: "real" }, id]);
    case "updated":
      return descending([updated, id]);
    case "next_breach":
      // Overdue first (their due instants are past), walked from ticket_slas_next_breach_idx; then every ticket without a running clock.
      return [
        {
          where: isNotNull(t.ticketSlas.nextBreachAt),
          keys: [{ expression: sql`${t.ticketSlas.nextBreachAt}`, cast: "timestamptz" }, id],
          direction: "asc",
          runningClocks: true,
        },
        { where: isNull(t.ticketSlas.nextBreachAt), keys: [updated, id], direction: "desc", runningClocks: false },
      ];
  }
}

/**
 * `(k1, k2, …) < (v1, v2, …)` (or `>` ascending): a row comparison PostgreSQL can answer from the
 * matching index. Ascending keys span two tables (ticket_slas.next_breach_at, then the ticket's id), which
 * no index answers as a row, so the first key's own bound comes beside it for ticket_slas_next_breach_idx.
 */
function keysetAfter({ keys, direction }: SortSegment, values: string[]): SQL {
  const left = sql.join(
    keys.map((key) => key.expression),
    sql`, `,
  );
  const right = sql.join(
    keys.map((key, index) => sql`${values[index]}::${sql.raw(key.cast)}`),
    sql`, `,
  );
  if (direction === "desc") return sql`(${left}) < (${right})`;
  return sql`${keys[0]!.expression} >= ${values[0]}::${sql.raw(keys[0]!.cast)} and (${left}) > (${right})`;
}
