import { pgSchema } from "drizzle-orm/pg-core";
import { LRUCache } from "lru-cache";
import { assertSchemaName } from "./schema-name";
import { defineTenantTables, type TenantTables } from "./tenant-tables";

const cache = new LRUCache<string, TenantTables>({ max: 5000 });

/** Drizzle table objects bound to one tenant schema: every statement built from them is schema-qualified. */
export function tenantTables(schemaName: string): TenantTables {
  let tables = cache.get(schemaName);
  if (!tables) {
    assertSchemaName(schemaName);
    tables = defineTenantTables(pgSchema(schemaName).table);
    cache.set(schemaName, tables);
  }
  return tables;
}
