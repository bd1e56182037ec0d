import { asc, eq } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { tenants, type TenantRow } from "../db/control-schema";
import type { ControlDatabase } from "./control-plane";
import type { TenantRecord } from "./tenant-record";

export function toTenantRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    schemaName: row.schemaName,
    status: row.status,
    shard: row.shard,
    schemaVersion: row.schemaVersion,
    settings: row.settings,
  };
}

export async function findTenantById(db: ControlDatabase, id: string): Promise<TenantRecord | null> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  return row ? toTenantRecord(row) : null;
}

export async function findTenantBySlug(db: ControlDatabase, slug: string): Promise<TenantRecord | null> {
  const [row] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  return row ? toTenantRecord(row) : null;
}

export async function listTenants(db: ControlDatabase): Promise<TenantRecord[]> {
  const rows = await db.select().from(tenants).orderBy(asc(tenants.slug));
  return rows.map(toTenantRecord);
}

/**
 * Host → tenant lookups for the request path, cached for a short TTL so a suspension takes
 * effect within seconds. Unknown slugs are cached too, so random subdomains cannot hammer the
 * control plane.
 */
export class TenantDirectory {
  private readonly cache: LRUCache<string, { tenant: TenantRecord | null }>;

  constructor(private readonly db: ControlDatabase, ttlMs: number) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(ttlMs, 1), ttlAutopurge: false });
  }

  async lookup(slug: string): Promise<TenantRecord | null> {
    const hit = this.cache.get(slug);
    if (hit) return hit.tenant;
    const tenant = await findTenantBySlug(this.db, slug);
    this.cache.set(slug, { tenant });
    return tenant;
  }

  forget(slug: string): void {
    this.cache.delete(slug);
  }
}
