import { eq, sql } from "drizzle-orm";
import type { TenantTables } from "../../db/tenant-tables";

/** The columns that make a CurrentUser, for selects and returning clauses. */
export function memberColumns(t: TenantTables) {
  return { id: t.users.id, email: t.users.email, name: t.users.name, role: t.users.role };
}

/** Emails are unique case-insensitively (users_email_key on lower(email)); match the same way so the index serves. */
export function memberEmailIs(t: TenantTables, email: string) {
  return eq(sql`lower(${t.users.email})`, email.toLowerCase());
}
