import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import type { Logger } from "pino";
import type { ShardConfig } from "../db/database-servers";
import { createPool } from "../db/pg-connections";
import { drizzleOverPool } from "../db/pooled-drizzle";
import { tenantTables } from "../db/tenant-schema";
import type { TenantTables } from "../db/tenant-tables";
import type { TenantRecord } from "./tenant-record";

export type PoolOptions = {
  /** Tenant-affinity sub-pools per shard: each backend only ever touches about 1/K of the schemas. */
  subPools: number;
  /** Connections per sub-pool. Total per shard and process = subPools × subPoolMax. */
  subPoolMax: number;
  /** Recycle a connection after this many checkouts, returning the catalog cache it built up. */
  maxUses: number;
  maxLifetimeSeconds: number;
  idleTimeoutMillis: number;
  connectionTimeoutMillis: number;
};

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  subPools: 4,
  subPoolMax: 3,
  maxUses: 5000,
  maxLifetimeSeconds: 1800,
  idleTimeoutMillis: 30_000,
  connectionTimeoutMillis: 5_000,
};

export type TenantDatabase = NodePgDatabase<Record<string, never>>;

/** What a request gets: the tenant, a drizzle instance over its shard's pool, and tables bound to its schema. */
export type TenantHandle = {
  tenant: TenantRecord;
  db: TenantDatabase;
  t: TenantTables;
  /** Runs `work` in one transaction (BEGIN/COMMIT only; no session state is set). */
  transaction<T>(work: (tx: TenantTransaction) => Promise<T>): Promise<T>;
};
export type TenantTransaction = Parameters<Parameters<TenantDatabase["transaction"]>[0]>[0];

type SubPool = { pool: pg.Pool; db: TenantDatabase; transaction: TenantHandle["transaction"] };

/** A handle cached for one tenant record object, with the routing fields it was built from. */
type CachedHandle = { handle: TenantHandle; id: string; schemaName: string; shard: string };

/** Told about each connection to a shard that the server ended or the network lost (the pool replaces it). */
export type PoolErrorHandler = (error: Error, shardId: string) => void;

/**
 * The pooled connection router. It binds a tenant in the SQL text (schema-qualified table
 * objects), never on the connection, so any pooled connection can serve any tenant next and
 * nothing leaks between requests, through pg-pool or PgBouncer in transaction mode.
 */
export class ConnectionRouter {
  private readonly shards = new Map<string, SubPool[]>();
  private readonly options: PoolOptions;
  /**
   * forTenant's handles, keyed by the record object: the request path passes the same cached
   * record (TenantDirectory) for a tenant until it is refreshed, so a hit allocates nothing, and a
   * refreshed record (new status or name) is a new key, so a handle never carries a stale record.
   * Entries go when their record is garbage; a record mutated in place in id, schema or shard is
   * caught by comparing the routing fields the handle was built from.
   */
  private handles = new WeakMap<TenantRecord, CachedHandle>();

  constructor(
    shards: ShardConfig[],
    options: Partial<PoolOptions>,
    private readonly log: Logger,
    private readonly onPoolError: PoolErrorHandler = () => {},
  ) {
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
    for (const shard of shards) {
      const subPools = Array.from({ length: this.options.subPools }, (_, index) => this.createSubPool(shard, index));
      this.shards.set(shard.id, subPools);
    }
  }

  shardIds(): string[] {
    return [...this.shards.keys()];
  }

  hasShard(id: string): boolean {
    return this.shards.has(id);
  }

  /** The sub-pool a tenant always uses on its shard. */
  poolFor(tenant: Pick<TenantRecord, "id" | "shard">): pg.Pool {
    return this.subPoolFor(tenant).pool;
  }

  forTenant(tenant: TenantRecord): TenantHandle {
    const cached = this.handles.get(tenant);
    if (cached && cached.id === tenant.id && cached.schemaName === tenant.schemaName && cached.shard === tenant.shard) return cached.handle;
    const { db, transaction } = this.subPoolFor(tenant);
    const t = tenantTables(tenant.schemaName);
    // Frozen: one handle object is shared by every caller holding this record.
    const handle: TenantHandle = Object.freeze({ tenant, db, t, transaction });
    this.handles.set(tenant, { handle, id: tenant.id, schemaName: tenant.schemaName, shard: tenant.shard });
    return handle;
  }

  stats() {
    return [...this.shards.entries()].map(([shard, subPools]) => ({
      shard,
      total: subPools.reduce((sum, { pool }) => sum + pool.totalCount, 0),
      idle: subPools.reduce((sum, { pool }) => sum + pool.idleCount, 0),
      waiting: subPools.reduce((sum, { pool }) => sum + pool.waitingCount, 0),
    }));
  }

  async close(): Promise<void> {
    this.handles = new WeakMap();
    await Promise.all([...this.shards.values()].flat().map(({ pool }) => pool.end().catch(() => {})));
    this.shards.clear();
  }

  private subPoolFor(tenant: Pick<TenantRecord, "id" | "shard">): SubPool {
    const subPools = this.shards.get(tenant.shard);
    if (!subPools) throw new Error(`tenant ${tenant.id} is placed on shard "${tenant.shard}", which this process has no configuration for`);
    return subPools[affinityIndex(tenant.id, subPools.length)]!;
  }

  private createSubPool(shard: ShardConfig, index: number): SubPool {
    const pool = createPool(
      `${shard.id}:${index}`,
      {
        connectionString: shard.url,
        max: this.options.subPoolMax,
        maxUses: this.options.maxUses,
        maxLifetimeSeconds: this.options.maxLifetimeSeconds,
        idleTimeoutMillis: this.options.idleTimeoutMillis,
        connectionTimeoutMillis: this.options.connectionTimeoutMillis,
      },
      { log: this.log, onLost: (error) => this.onPoolError(error, shard.id) },
    );
    const db: TenantDatabase = drizzleOverPool(pool);
    return { pool, db, transaction: (work) => db.transaction(work) };
  }
}

/**
 * A tenant's sub-pool: FNV-1a (32-bit) over the id's UTF-16 code units, then murmur3's finalizer
 * so every output bit depends on every input bit before the modulo. Only placement within this
 * process depends on it (nothing is persisted), so it needs to be cheap and spread well, not be
 * cryptographic.
 */
function affinityIndex(tenantId: string, buckets: number): number {
  if (buckets === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < tenantId.length; i += 1) {
    hash ^= tenantId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % buckets;
}
