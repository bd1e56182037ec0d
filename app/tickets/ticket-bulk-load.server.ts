import { sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";
import { recountTickets } from "./ticket-counters.server";
import { rebuiltDocument } from "./ticket-search-document.server";

/**
 * Seeds and benchmarks insert tickets and messages in bulk, around the ticket commands; this
 * brings the search documents and the counters up to date afterwards, in the same transaction.
 */
export async function indexBulkLoadedTickets(db: TenantTransaction | TenantHandle["db"], t: TenantTables): Promise<void> {
  await db
    .update(t.tickets)
    .set({ searchDocument: rebuiltDocument(t) })
    .where(sql`${t.tickets.searchDocument} = ''::tsvector`);
  await recountTickets(db, t);
}
