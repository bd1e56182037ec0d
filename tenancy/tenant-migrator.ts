import { performance } from "node:perf_hooks";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import pLimit from "p-limit";
import type pg from "pg";
import { tenantMigrations, tenants } from "../db/control-schema";
import type { ControlDatabase } from "./control-plane";
import { quoteSchema } from "../db/schema-name";
import { latestTenantVersion, loadTenantMigrations, type TenantMigration } from "./tenant-migrations";
import type { TenantRecord } from "./tenant-record";
import { toTenantRecord } from "./tenant-registry";

export type MigrateOptions = { lockTimeout?: string; statementTimeout?: string; migrations?: TenantMigration[] };

/** A PostgreSQL duration such as `5s`, `500ms` or `5min`; these are spliced into SET LOCAL. */
const DURATION = /^\d+(\.\d+)?(us|ms|s|min|h|d)?$/;

/**
 * Brings one tenant schema to the latest version inside one transaction on an open client,
 * which must already be in a transaction (BEGIN issued by the caller). The tenant-local
 * `_schema_version` row, written in the same transaction as the DDL, is the source of truth.
 * Returns the version before and after.
 *
 * Two round trips at most, each one simple-protocol query of `;`-separated statements that
 * PostgreSQL runs in order, each statement with its own snapshot and (PostgreSQL 13+) its own
 * statement_timeout:
 * 1. timeouts, the per-schema advisory lock, then (under the lock) the version table and version;
 * 2. if anything is pending: search_path, every pending statement, the version upsert.
 * A failing statement aborts the rest of its query and the caller's transaction.
 */
export async function migrateSchemaInTransaction(
  client: pg.PoolClient | pg.Client,
  schemaName: string,
  { lockTimeout = "5s", statementTimeout = "5min", migrations = loadTenantMigrations() }: MigrateOptions = {},
): Promise<{ from: number; to: number }> {
  // quoteSchema validates the name (t_[a-z0-9_]+), which also makes it safe as a string literal below.
  const schema = quoteSchema(schemaName);
  for (const [name, value] of [
    ["lockTimeout", lockTimeout],
    ["statementTimeout", statementTimeout],
  ] as const) {
    if (!DURATION.test(value)) throw new Error(`${name} must be a duration such as '5s' or '500ms', not ${JSON.stringify(value)}`);
  }
  let versionRows: Array<{ version: number }>;
  try {
    const results = await simpleQuery<{ version: number }>(
      client,
      [
        `SET LOCAL lock_timeout = '${lockTimeout}'`,
        `SET LOCAL statement_timeout = '${statementTimeout}'`,
        // Taken before the version is read, so two runners on one schema go one after the other.
        // The key text must stay 'migrate:<schema>': every runner, of any version, must agree on it.
        `SELECT pg_advisory_xact_lock(hashtextextended('migrate:${schemaName}', 0))`,
        `CREATE TABLE IF NOT EXISTS ${schema}."_schema_version" (
           singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
           version integer NOT NULL,
           updated_at timestamptz NOT NULL DEFAULT now())`,
        `SELECT version FROM ${schema}."_schema_version"`,
      ].join(";\n"),
    );
    versionRows = results.at(-1)!.rows;
  } catch (error) {
    // 3F000 invalid_schema_name: the CREATE TABLE found no such schema.
    if (pgErrorCode(error) === "3F000") throw new Error(`schema ${schemaName} does not exist`);
    throw error;
  }
  const from = versionRows[0]?.version ?? 0;
  const pending = migrations.filter((migration) => migration.version > from);
  if (pending.length === 0) return { from, to: from };
  const to = pending.at(-1)!.version;
  if (!Number.isSafeInteger(to)) throw new Error(`tenant migration versions must be integers, not ${String(to)}`);
  await client.query(
    [
      // Generated DDL names no schema; SET LOCAL scopes it to this transaction only.
      `SET LOCAL search_path TO ${schema}, extensions;`,
      ...pending.flatMap((migration) => migration.statements.map(terminated)),
      `INSERT INTO ${schema}."_schema_version" (singleton, version) VALUES (true, ${to})
       ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, updated_at = now();`,
      "SET LOCAL search_path TO extensions;",
    ].join("\n"),
  );
  return { from, to };
}

/**
 * Ends one complete migration statement for joining with others. drizzle-kit's statements may
 * or may not end with `;`, or may end in a `--` comment: the newline closes any such comment, and
 * a doubled `;` is an empty statement, which PostgreSQL skips.
 */
function terminated(statement: string): string {
  return `${statement}\n;`;
}

/** Runs a parameterless query; with several statements, pg returns one result per statement. */
async function simpleQuery<R extends pg.QueryResultRow>(client: pg.PoolClient | pg.Client, text: string): Promise<Array<pg.QueryResult<R>>> {
  const result = (await client.query<R>(text)) as pg.QueryResult<R> | Array<pg.QueryResult<R>>;
  return Array.isArray(result) ? result : [result];
}

function pgErrorCode(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

export type MigrationOutcome = { from: number; to: number; durationMs: number };

/** Migrates one tenant's schema on its shard in one transaction; once this resolves, the migration has committed. */
async function migrateTenantSchema(shardPool: pg.Pool, tenant: Pick<TenantRecord, "schemaName">, options: MigrateOptions): Promise<MigrationOutcome> {
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
  return { ...result, durationMs: Math.round(performance.now() - started) };
}

async function mirrorVersion(control: ControlDatabase, tenant: Pick<TenantRecord, "id">, version: number): Promise<void> {
  await control
    .update(tenants)
    .set({ schemaVersion: version, updatedAt: sql`now()` })
    .where(eq(tenants.id, tenant.id));
}

export type FanOutProgress = { done: number; total: number; failed: number; current?: string };
export type FanOutResult = {
  target: number;
  total: number;
  migrated: number;
  /** Tenants whose migration did not commit; they stay at their old version. */
  failures: Array<{ slug: string; error: string }>;
  /**
   * Tenants whose migration committed (they count as migrated) but whose control-plane
   * bookkeeping (the mirrored version or the audit row) could not be written. A stale mirrored
   * version only makes the next run plan the tenant again, which then finds nothing pending and
   * rewrites the mirror.
   */
  bookkeepingErrors: Array<{ slug: string; error: string }>;
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
    const planned = (
      await control
        .select()
        .from(tenants)
        .where(and(...conditions))
    ).map(toTenantRecord);
    const failures: FanOutResult["failures"] = [];
    const bookkeepingErrors: FanOutResult["bookkeepingErrors"] = [];
    let done = 0;
    onProgress?.({ done, total: planned.length, failed: 0 });
    const limit = pLimit(Math.max(1, concurrency));
    await Promise.all(
      planned.map((tenant) =>
        limit(async () => {
          let result: MigrationOutcome | undefined;
          try {
            result = await migrateTenantSchema(poolFor(tenant), tenant, { migrations });
          } catch (error) {
            const message = messageOf(error);
            failures.push({ slug: tenant.slug, error: message });
            await recordAttempt(control, tenant, tenant.schemaVersion, target, 0, message).catch(() => {});
          }
          if (result) {
            // The migration has committed: a failure from here on is bookkeeping, not a failed migration.
            const { from, to, durationMs } = result;
            const bookkeeping = (what: string) => (error: unknown) => void bookkeepingErrors.push({ slug: tenant.slug, error: `${what}: ${messageOf(error)}` });
            await mirrorVersion(control, tenant, to).catch(bookkeeping("mirroring the schema version"));
            await recordAttempt(control, tenant, from, to, durationMs, null).catch(bookkeeping("recording the attempt"));
          }
          done += 1;
          onProgress?.({ done, total: planned.length, failed: failures.length, current: tenant.slug });
        }),
      ),
    );
    return { target, total: planned.length, migrated: planned.length - failures.length, failures, bookkeepingErrors };
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
