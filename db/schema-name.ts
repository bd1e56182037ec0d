import { randomBytes } from "node:crypto";

/** PostgreSQL truncates identifiers past 63 bytes (with only a NOTICE), so the pattern bounds the length. */
export const SCHEMA_NAME_PATTERN = /^t_[a-z0-9_]{1,61}$/;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A tenant id is random base32; the schema name derives from it, never from a slug or a request. */
export function newTenantId(): string {
  const bytes = randomBytes(10);
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte % 32];
  return id;
}

export function schemaNameFor(tenantId: string): string {
  const name = `t_${tenantId}`;
  assertSchemaName(name);
  return name;
}

export function assertSchemaName(name: string): void {
  if (!SCHEMA_NAME_PATTERN.test(name)) {
    throw new Error(`refusing unsafe tenant schema name ${JSON.stringify(name)}`);
  }
}

/** Quoted identifier for DDL; the name has already been validated, quoting is belt and braces. */
export function quoteSchema(name: string): string {
  assertSchemaName(name);
  return `"${name.replace(/"/g, '""')}"`;
}
