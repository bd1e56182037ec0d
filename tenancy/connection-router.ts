import { createHash } from "node:crypto";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { tenantTables } from "../db/tenant-schema";
import type { TenantTables } from "../db/tenant-tables";
import type { TenantRecord } from "./tenant-record";

export type ShardConfig = { id: string; url: string };

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

type SubPool = { pool: pg.Pool; db: TenantDatabase };

export type PoolErrorHandler = (error: Error, shardId: string) => void;

/**
 * The pooled connection router. It binds a tenant in the SQL text (schema-qualified table
 * objects), never on the connection, so any pooled connection can serve any tenant next and
 * nothing leaks between requests, through pg-pool or PgBouncer in transaction mode.
 */
export class ConnectionRouter {
  private readonly shards = new Map<string, SubPool[]>();
  private readonly options: PoolOptions;

  constructor(shards: ShardConfig[], options: Partial<PoolOptions> = {}, private readonly onPoolError: PoolErrorHandler = () => {}) {
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
    const { db } = this.subPoolFor(tenant);
    const t = tenantTables(tenant.schemaName);
    return {
      tenant,
      db,
      t,
      transaction: (work) => db.transaction(work),
    };
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
    await Promise.all([...this.shards.values()].flat().map(({ pool }) => pool.end().catch(() => {})));
    this.shards.clear();
  }

  private subPoolFor(tenant: Pick<TenantRecord, "id" | "shard">): SubPool {
    const subPools = this.shards.get(tenant.shard);
    if (!subPools) throw new Error(`tenant ${tenant.id} is placed on shard "${tenant.shard}", which this process has no configuration for`);
    return subPools[affinityIndex(tenant.id, subPools.length)]!;
  }

  private createSubPool(shard: ShardConfig, index: number): SubPool {
    const pool = new pg.Pool({
      connectionString: shard.url,
      max: this.options.subPoolMax,
      maxUses: this.options.maxUses,
      maxLifetimeSeconds: this.options.maxLifetimeSeconds,
      idleTimeoutMillis: this.options.idleTimeoutMillis,
      connectionTimeoutMillis: this.options.connectionTimeoutMillis,
      application_name: `conductor:${shard.id}:${index}`,
    });
    // An idle client's error (the server restarting) must never crash the process: pg-pool drops
    // the broken client and the next checkout opens a fresh connection.
    pool.on("error", (error) => this.onPoolError(error, shard.id));
    return { pool, db: drizzle(pool) };
  }
}

function affinityIndex(tenantId: string, buckets: number): number {
  if (buckets === 1) return 0;
  return createHash("sha1").update(tenantId).digest().readUInt32BE(0) % buckets;
}
