import { sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";

/** Tickets per status bucket for the workspace. */
export async function ticketStatusCounts({ db, t }: TenantHandle): Promise<{ open: number; pending: number; solved: number }> {
  const [row] = await db
    .select({
      open: sql<number>`count(*) filter (where ${t.tickets.status} = 'open')::int`,
      pending: sql<number>`count(*) filter (where ${t.tickets.status} in ('pending', 'on_hold'))::int`,
      solved: sql<number>`count(*) filter (where ${t.tickets.status} in ('solved', 'closed'))::int`,
    })
    .from(t.tickets);
  return row ?? { open: 0, pending: 0, solved: 0 };
}
