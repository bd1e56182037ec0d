import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { Logger, runMigrations } from "graphile-worker";
import pg from "pg";
import { createClient, createPool } from "./pg-connections";
import { projectFile } from "./project-files";

const CONTROL_MIGRATIONS = projectFile("db", "control-migrations");
/** Serialises concurrent starts (two app instances, a CLI beside a server) on one database. */
const BOOTSTRAP_LOCK_KEY = 7_300_451_201;

/**
 * Readies one database server (any shard) for tenant schemas:
 * an `extensions` schema with the extensions we use, the job queue's schema, and a default search_path for our role
 * that holds no tables, so SQL that forgets its tenant fails with 42P01 instead of reading `public`.
 * New connections pick the default up; create pools after this has run.
 */
export async function prepareShardDatabase(url: string): Promise<void> {
  await withLockedClient(url, async (client) => {
    await client.query("CREATE SCHEMA IF NOT EXISTS extensions");
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions");
    await client.query("CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions");
    const { rows } = await client.query<{ db: string }>("SELECT current_database() AS db");
    await client.query(`ALTER ROLE CURRENT_USER IN DATABASE ${pg.escapeIdentifier(rows[0]!.db)} SET search_path TO extensions`);
  });
  // The job queue lives beside the tenant schemas on every shard, so a tenant's transaction can
  // enqueue its own jobs (graphile_worker.add_job) atomically with the change.
  const pgPool = createPool("bootstrap", { connectionString: url, max: 2 });
  try {
    await runMigrations({ pgPool, logger: quietLogger });
  } finally {
    await pgPool.end();
  }
}

const quietLogger = new Logger(() => () => {});

/** Applies the control-plane migrations (drizzle-kit SQL files) on the main database. */
export async function migrateControlPlane(url: string): Promise<void> {
  await withLockedClient(url, async (client) => {
    await migrate(drizzle(client), { migrationsFolder: CONTROL_MIGRATIONS, migrationsSchema: "drizzle" });
  });
}

async function withLockedClient(url: string, work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = createClient("bootstrap", { connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [BOOTSTRAP_LOCK_KEY]);
    await work(client);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [BOOTSTRAP_LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}
