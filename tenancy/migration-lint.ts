/**
 * Tenant migrations run once per schema under `SET LOCAL search_path TO "t_…"`, so they must name
 * no schema themselves and must stay within what Citus schema-based sharding accepts.
 */
const FORBIDDEN: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /"public"\./i, why: 'names the "public" schema (drizzle-kit emits it for FKs; run `npm run db:generate`, which strips it)' },
  { pattern: /\bpublic\./i, why: "names the public schema" },
  { pattern: /"control"\./i, why: "reaches into the control plane from a tenant schema" },
  { pattern: /\bset\s+(session\s+)?search_path\b/i, why: "changes search_path; the runner sets it with SET LOCAL" },
  { pattern: /\bcreate\s+schema\b/i, why: "creates a schema; provisioning does that" },
  { pattern: /\bcreate\s+table\b[^;]*\bas\s+select\b/i, why: "uses CREATE TABLE AS (not supported by Citus schema sharding)" },
  { pattern: /\binherits\s*\(/i, why: "uses table inheritance (not supported by Citus schema sharding)" },
  { pattern: /\bconcurrently\b/i, why: "uses CONCURRENTLY, which cannot run inside the per-tenant transaction" },
];

export function lintTenantMigration(sqlText: string): string[] {
  return FORBIDDEN.filter(({ pattern }) => pattern.test(sqlText)).map(({ why }) => why);
}

/** drizzle-kit qualifies FK targets with "public"; per-tenant SQL must resolve them in the tenant schema. */
export function stripPublicQualifier(sqlText: string): string {
  return sqlText.replace(/"public"\./g, "");
}
