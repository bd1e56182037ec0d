import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { tenants, type TenantRow, type TenantStatus } from "../db/control-schema";
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

/** The channel every process's TenantDirectory listens on; the payload is the changed tenant's id. */
export const TENANT_CHANGES_CHANNEL = "conductor_tenants";

/**
 * Tells every process that a tenant's registry row changed (status, slug, name, shard, schema, or
 * the row itself created or deleted), so each evicts what it cached. Call it inside the
 * transaction that changes the row: PostgreSQL delivers the notification at commit, and never
 * for a rollback, so no process re-reads the row before the change is visible.
 */
export async function announceTenantChange(tx: Pick<ControlDatabase, "execute">, tenantId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${TENANT_CHANGES_CHANNEL}, ${tenantId})`);
}

export type TenantRowChanges = Partial<Pick<TenantRow, "slug" | "name" | "status" | "shard" | "schemaName" | "settings">>;

/**
 * Changes a tenant's registry row and announces it, in one transaction: the only way the request
 * path's routing fields change. With `whileStatusIn`, only a row in one of those statuses changes
 * (null otherwise), so a concurrent drop cannot be undone by a resume that read the row earlier.
 */
export async function updateTenantRow(
  db: ControlDatabase,
  id: string,
  changes: TenantRowChanges,
  whileStatusIn?: TenantStatus[],
): Promise<TenantRecord | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(tenants)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(eq(tenants.id, id), whileStatusIn ? inArray(tenants.status, whileStatusIn) : undefined))
      .returning();
    if (!row) return null;
    await announceTenantChange(tx, id);
    return toTenantRecord(row);
  });
}

/** Deletes a tenant's registry row and announces it, in one transaction. */
export async function deleteTenantRow(db: ControlDatabase, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(tenants).where(eq(tenants.id, id));
    await announceTenantChange(tx, id);
  });
}

/**
 * Host → tenant lookups for the request path. Each process evicts a tenant's entries as soon as
 * its registry row changes (TenantChangeListener); the TTL is the fallback while that listener is
 * disconnected. Unknown slugs are cached too, so random subdomains cannot hammer the control plane.
 */
export class TenantDirectory {
  private readonly cache: LRUCache<string, { tenant: TenantRecord | null }>;
  /**
   * Bumped by every eviction: a lookup that started before a change may have read the old row,
   * and must not put it back into the cache after the eviction.
   */
  private generation = 0;

  constructor(
    private readonly db: ControlDatabase,
    ttlMs: number,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(ttlMs, 1), ttlAutopurge: false });
  }

  async lookup(slug: string): Promise<TenantRecord | null> {
    const hit = this.cache.get(slug);
    if (hit) return hit.tenant;
    const generation = this.generation;
    const tenant = await findTenantBySlug(this.db, slug);
    if (generation === this.generation) this.cache.set(slug, { tenant });
    return tenant;
  }

  forget(slug: string): void {
    this.generation += 1;
    this.cache.delete(slug);
  }

  /**
   * Evicts every entry of one tenant (under any slug it had) and every "no such workspace" entry,
   * since the change may have created the tenant or given it a slug that was unknown until now.
   */
  forgetTenant(tenantId: string): void {
    this.generation += 1;
    const stale = [...this.cache.entries()].filter(([, entry]) => entry.tenant === null || entry.tenant.id === tenantId).map(([slug]) => slug);
    for (const slug of stale) this.cache.delete(slug);
  }

  forgetAll(): void {
    this.generation += 1;
    this.cache.clear();
  }
}
