import { migrateControlPlane, prepareShardDatabase } from "../../db/prepare-database";
import { startThrowawayPostgres } from "../../db/throwaway-postgres";
import { type Cleanup, log } from "./support";

/**
 * The database a bench runs on, prepared and with the control plane migrated: DATABASE_URL when set
 * (`external`: the bench then drops what it created), else a throw-away embedded PostgreSQL that
 * `cleanup` removes. If that one cannot start, its log is printed before the error.
 */
export async function openBenchDatabase(cleanup: Cleanup, prefix: string): Promise<{ url: string; external: boolean }> {
  const external = process.env.DATABASE_URL;
  const url = external ?? (await startThrowaway(cleanup, prefix));
  log(external ? "using DATABASE_URL" : "started a throw-away PostgreSQL");
  await prepareShardDatabase(url);
  await migrateControlPlane(url);
  return { url, external: Boolean(external) };
}

async function startThrowaway(cleanup: Cleanup, prefix: string): Promise<string> {
  const serverLog: string[] = [];
  try {
    const server = await startThrowawayPostgres({ prefix, log: (line) => serverLog.push(line) });
    cleanup.add(() => server.stop());
    return server.url;
  } catch (error) {
    log(serverLog.join("\n"));
    throw error;
  }
}
