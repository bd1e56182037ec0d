import { eq } from "drizzle-orm";
import { tenants } from "../db/control-schema";
import { quoteSchema, SCHEMA_NAME_PATTERN } from "../db/schema-name";
import type { Platform } from "./platform";
import { latestTenantVersion } from "./tenant-migrations";
import { listTenants } from "./tenant-registry";

/**
 * What `npm run tenant -- doctor` checks: every shard's tenant schemas against the registry, the
 * tenants behind on migrations, and whether the configured pools fit the database servers.
 */

export type OrphanSchema = { shard: string; schema: string };
export type DoctorReport = {
  /** Tenant schemas with no registry row (a crash between the two commits of `create`). */
  orphanSchemas: OrphanSchema[];
  /** Registry rows whose schema is not on their shard. */
  missingSchemas: Array<{ slug: string; shard: string; schema: string }>;
  /** Active tenants below the latest migration. */
  behind: Array<{ slug: string; version: number; latest: number }>;
  budget: ConnectionBudget;
};

/** What one process may open, from the settings it runs with. */
export type PoolSettings = { subPools: number; subPoolMax: number; workerConcurrency: number; inlineWorker: boolean; controlMax: number };

export type ConnectionBudget = {
  /** Connections one web process (with its inline worker, if any) may hold on each shard. */
  perProcess: Array<{ shard: string; connections: number; detail: string }>;
  /** Each shard's limit, what is in use now, and how many such processes fit beside what runs. */
  shards: Array<{ shard: string; maxConnections: number; reserved: number; inUse: number; processesThatFit: number }>;
};

export async function examineTenants(platform: Pick<Platform, "control" | "router">, pools: PoolSettings): Promise<DoctorReport> {
  const { router } = platform;
  const registry = await listTenants(platform.control.db);
  const latest = latestTenantVersion();
  const orphanSchemas: OrphanSchema[] = [];
  const missingSchemas: DoctorReport["missingSchemas"] = [];
  const budget: ConnectionBudget = { perProcess: [], shards: [] };
  for (const shard of router.shardIds()) {
    const pool = router.poolFor({ id: "doctor", shard });
    const schemas = new Set(await tenantSchemasOn(pool));
    const registered = registry.filter((tenant) => tenant.shard === shard);
    const known = new Set(registered.map((tenant) => tenant.schemaName));
    for (const schema of [...schemas].sort()) if (!known.has(schema)) orphanSchemas.push({ shard, schema });
    for (const tenant of registered) if (!schemas.has(tenant.schemaName)) missingSchemas.push({ slug: tenant.slug, shard, schema: tenant.schemaName });

    const perProcess = processConnections(pools, shard === "main");
    budget.perProcess.push({ shard, ...perProcess });
    const { rows } = await pool.query<{ max: string; reserved: string; in_use: string }>(
      "select current_setting('max_connections') as max, current_setting('superuser_reserved_connections') as reserved, (select count(*) from pg_stat_activity where backend_type = 'client backend') as in_use",
    );
    const max = Number(rows[0]!.max);
    const reserved = Number(rows[0]!.reserved);
    const inUse = Number(rows[0]!.in_use);
    budget.shards.push({
      shard,
      maxConnections: max,
      reserved,
      inUse,
      processesThatFit: Math.max(0, Math.floor((max - reserved - inUse) / perProcess.connections)),
    });
  }
  const behind = registry
    .filter((tenant) => tenant.status === "active" && tenant.schemaVersion < latest)
    .map((tenant) => ({ slug: tenant.slug, version: tenant.schemaVersion, latest }));
  return { orphanSchemas, missingSchemas, behind, budget };
}

/** Does the report name anything an operator must act on? (The budget is information.) */
export const hasProblems = (report: DoctorReport) => report.orphanSchemas.length + report.missingSchemas.length + report.behind.length > 0;

/**
 * Drops orphan schemas, each only after checking again that no registry row names it (a `create`
 * commits its schema a moment before its registry row). Returns the schemas dropped.
 */
export async function dropOrphanSchemas(platform: Pick<Platform, "control" | "router">, orphans: OrphanSchema[]): Promise<OrphanSchema[]> {
  const dropped: OrphanSchema[] = [];
  for (const orphan of orphans) {
    if (!SCHEMA_NAME_PATTERN.test(orphan.schema)) continue;
    const [registered] = await platform.control.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.schemaName, orphan.schema));
    if (registered) continue;
    await platform.router.poolFor({ id: "doctor", shard: orphan.shard }).query(`drop schema if exists ${quoteSchema(orphan.schema)} cascade`);
    dropped.push(orphan);
  }
  return dropped;
}

async function tenantSchemasOn(pool: ReturnType<Platform["router"]["poolFor"]>): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>("select nspname as name from pg_namespace where nspname like 't\\_%'");
  return rows.map((row) => row.name).filter((name) => SCHEMA_NAME_PATTERN.test(name));
}

/**
 * The most connections one process opens to a shard: the tenant sub-pools; on the main shard also
 * the control plane and the tenant-change listener; with the inline worker, its queue pool (one
 * listening connection and one per concurrent job, plus one spare).
 */
function processConnections(pools: PoolSettings, main: boolean): { connections: number; detail: string } {
  const parts: Array<[string, number]> = [[`tenant sub-pools ${pools.subPools} × ${pools.subPoolMax}`, pools.subPools * pools.subPoolMax]];
  if (main) parts.push([`control plane ${pools.controlMax}`, pools.controlMax], ["tenant-change listener 1", 1]);
  if (pools.inlineWorker) parts.push([`job queue ${pools.workerConcurrency} + 2`, pools.workerConcurrency + 2]);
  return { connections: parts.reduce((sum, [, count]) => sum + count, 0), detail: parts.map(([text]) => text).join(" + ") };
}
