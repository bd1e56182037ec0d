import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";

export type ActivityEntry = TenantTables["activityLogs"]["$inferInsert"];

/** Writes one audit entry; pass the transaction of the change so both commit or neither does. */
export async function recordActivity(db: TenantTransaction | TenantHandle["db"], t: TenantTables, entry: ActivityEntry): Promise<void> {
  await db.insert(t.activityLogs).values(entry);
}
