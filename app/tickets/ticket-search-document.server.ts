import { sql, type SQL } from "drizzle-orm";
import type { TenantTables } from "../../db/tenant-tables";

/** One text-search configuration for documents and queries alike, so stemming matches on both sides. */
export const SEARCH_CONFIG = sql.raw("'english'::regconfig");

/** Bodies beyond this are not indexed further: a tsvector is limited to 1 MB. */
const INDEXED_BODY_CHARS = 20_000;

export const subjectDocument = (subject: SQL | string) => sql`setweight(to_tsvector(${SEARCH_CONFIG}, ${subject}), 'A')`;

export const bodyDocument = (body: SQL | string) => sql`setweight(to_tsvector(${SEARCH_CONFIG}, left(${body}, ${INDEXED_BODY_CHARS})), 'B')`;

/** The whole document of a ticket from its subject and every stored message: for a changed subject and bulk loads. */
export function rebuiltDocument(t: TenantTables, subject: SQL | string = sql`${t.tickets.subject}`): SQL {
  return sql`${subjectDocument(subject)} || coalesce((select ${bodyDocument(sql`string_agg(m.body, ' ' order by m.id)`)} from ${t.ticketMessages} m where m.ticket_id = ${t.tickets.id}), ''::tsvector)`;
}

/** The query of a search box: websearch syntax ("quoted phrases", -exclusions, or). */
export const searchQuery = (text: string) => sql`websearch_to_tsquery(${SEARCH_CONFIG}, ${text})`;
