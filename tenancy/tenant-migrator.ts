import { performance } from "node:perf_hooks";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import pLimit from "p-limit";
import type pg from "pg";
import { tenantMigrations, tenants } from "../db/control-schema";
import type { ControlDatabase } from "./control-plane";
import { quoteSchema } from "./schema-name";
import { latestTenantVersion, loadTenantMigrations, type TenantMigration } from "./tenant-migrations";
import type { TenantRecord } from "./tenant-record";
import { toTenantRecord } from "./tenant-registry";

export type MigrateOptions = { lockTimeout?: string; statementTimeout?: string; migrations?: TenantMigration[] };

/**
 * Brings one tenant schema to the latest version inside one transaction on an open client,
 * which must already be in a transaction (BEGIN issued by the caller). The tenant-local
 * `_schema_version` row, written in the same transaction as the DDL, is the source of truth.
 * Returns the version before and after.
 */
export async function migrateSchemaInTransaction(
  client: pg.PoolClient | pg.Client,
  schemaName: string,
  { lockTimeout = "5s", statementTimeout = "5min", migrations = loadTenantMigrations() }: MigrateOptions = {},
): Promise<{ from: number; to: number }> {
  const schema = quoteSchema(schemaName);
  await client.query(`SET LOCAL lock_timeout = '${lockTimeout}'`);
  await client.query(`SET LOCAL statement_timeout = '${statementTimeout}'`);
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('migrate:' || $1, 0))", [schemaName]);
  const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schemaName]);
  if (exists.rowCount === 0) throw new Error(`schema ${schemaName} does not exist`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${schema}."_schema_version" (
       singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       version integer NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now())`,
  );
  const current = await client.query<{ version: number }>(`SELECT version FROM ${schema}."_schema_version"`);
  const from = current.rows[0]?.version ?? 0;
  const pending = migrations.filter((migration) => migration.version > from);
  if (pending.length === 0) return { from, to: from };
  // Generated DDL names no schema; SET LOCAL scopes it to this transaction only.
  await client.query(`SET LOCAL search_path TO ${schema}, extensions`);
  for (const migration of pending) {
    for (const statement of migration.statements) await client.query(statement);
  }
  const to = pending.at(-1)!.version;
  await client.query(
    `INSERT INTO ${schema}."_schema_version" (singleton, version) VALUES (true, $1)
     ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, updated_at = now()`,
    [to],
  );
  await client.query("SET LOCAL search_path TO extensions");
  return { from, to };
}

/** Migrates one tenant in its own transaction on its shard, then mirrors the version to the control plane. */
export async function migrateTenant(
  control: ControlDatabase,
  shardPool: pg.Pool,
  tenant: Pick<TenantRecord, "id" | "schemaName">,
  options: MigrateOptions = {},
): Promise<{ from: number; to: number; durationMs: number }> {
  const started = performance.now();
  const client = await shardPool.connect();
  let result: { from: number; to: number };
  try {
    await client.query("BEGIN");
    result = await migrateSchemaInTransaction(client, tenant.schemaName, options);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
    throw error;
  }
  client.release();
  await control.update(tenants).set({ schemaVersion: result.to, updatedAt: sql`now()` }).where(eq(tenants.id, tenant.id));
  return { ...result, durationMs: Math.round(performance.now() - started) };
}

export type FanOutProgress = { done: number; total: number; failed: number; current?: string };
export type FanOutResult = {
  target: number;
  total: number;
  migrated: number;
  failures: Array<{ slug: string; error: string }>;
};

export type FanOutOptions = {
  concurrency?: number;
  slugs?: string[];
  onProgress?: (progress: FanOutProgress) => void;
  migrations?: TenantMigration[];
  owner?: string;
};

export class MigrationLeaseHeldError extends Error {
  constructor(public readonly holder: string) {
    super(`another tenant migration run holds the lock (owner ${holder}); wait for it to finish, or retry after a minute if it crashed`);
  }
}

const LEASE_NAME = "tenant-migrations";
const LEASE_STALE_SECONDS = 60;

/**
 * Migrates every tenant behind the latest version (planned with one query on the control plane),
 * with bounded concurrency, one transaction per tenant, carrying on past failures. A lease row
 * keeps two runs apart; a crashed run's lease goes stale after a minute. Re-running resumes.
 */
export async function migrateAllTenants(
  control: ControlDatabase,
  poolFor: (tenant: TenantRecord) => pg.Pool,
  { concurrency = 4, slugs, onProgress, migrations = loadTenantMigrations(), owner = `${process.pid}@${Date.now()}` }: FanOutOptions = {},
): Promise<FanOutResult> {
  const target = latestTenantVersion(migrations);
  await acquireLease(control, owner, target);
  const heartbeat = setInterval(() => {
    void control.execute(sql`UPDATE control.migration_leases SET heartbeat_at = now() WHERE name = ${LEASE_NAME} AND owner = ${owner}`).catch(() => {});
  }, 10_000);
  try {
    const conditions = [lt(tenants.schemaVersion, target), inArray(tenants.status, ["active", "suspended"])];
    if (slugs) conditions.push(inArray(tenants.slug, slugs));
    const planned = (await control.select().from(tenants).where(and(...conditions))).map(toTenantRecord);
    const failures: FanOutResult["failures"] = [];
    let done = 0;
    onProgress?.({ done, total: planned.length, failed: 0 });
    const limit = pLimit(Math.max(1, concurrency));
    await Promise.all(
      planned.map((tenant) =>
        limit(async () => {
          try {
            const result = await migrateTenant(control, poolFor(tenant), tenant, { migrations });
            await recordAttempt(control, tenant, result.from, result.to, result.durationMs, null);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            failures.push({ slug: tenant.slug, error: message });
            await recordAttempt(control, tenant, tenant.schemaVersion, target, 0, message).catch(() => {});
          }
          done += 1;
          onProgress?.({ done, total: planned.length, failed: failures.length, current: tenant.slug });
        }),
      ),
    );
    return { target, total: planned.length, migrated: planned.length - failures.length, failures };
  } finally {
    clearInterval(heartbeat);
    await control.execute(sql`DELETE FROM control.migration_leases WHERE name = ${LEASE_NAME} AND owner = ${owner}`);
  }
}

async function acquireLease(control: ControlDatabase, owner: string, target: number): Promise<void> {
  const acquired = await control.execute<{ owner: string }>(sql`
    INSERT INTO control.migration_leases (name, owner, target_version)
    VALUES (${LEASE_NAME}, ${owner}, ${target})
    ON CONFLICT (name) DO UPDATE
      SET owner = excluded.owner, target_version = excluded.target_version, started_at = now(), heartbeat_at = now()
      WHERE control.migration_leases.heartbeat_at < now() - make_interval(secs => ${LEASE_STALE_SECONDS})
    RETURNING owner`);
  if (acquired.rows.length === 0) {
    const holder = await control.execute<{ owner: string }>(sql`SELECT owner FROM control.migration_leases WHERE name = ${LEASE_NAME}`);
    throw new MigrationLeaseHeldError(holder.rows[0]?.owner ?? "unknown");
  }
}

async function recordAttempt(
  control: ControlDatabase,
  tenant: TenantRecord,
  from: number,
  to: number,
  durationMs: number,
  error: string | null,
): Promise<void> {
  await control.insert(tenantMigrations).values({ tenantId: tenant.id, fromVersion: from, toVersion: to, durationMs, error });
}
