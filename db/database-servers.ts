import { startEmbeddedPostgres } from "./embedded-postgres";
import { migrateControlPlane, prepareShardDatabase } from "./prepare-database";

/** One PostgreSQL server that holds tenant schemas; `main` also holds the control plane. */
export type ShardConfig = { id: string; url: string };

export type DatabaseSettings = {
  databaseUrl?: string;
  extraShards: ShardConfig[];
  dataDir: string;
  embeddedPort: number;
};

export type DatabaseServers = {
  /** `main` first: it holds the control plane. */
  shards: ShardConfig[];
  embedded: boolean;
  stop(): Promise<void>;
};

/**
 * Finds the database servers (DATABASE_URL, or the embedded PostgreSQL under the data dir),
 * readies every shard and brings the control plane up to date.
 */
export async function openDatabaseServers(settings: DatabaseSettings, log: (message: string) => void = () => {}): Promise<DatabaseServers> {
  let mainUrl = settings.databaseUrl;
  let stop = async () => {};
  if (!mainUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: settings.dataDir, port: settings.embeddedPort, log });
    mainUrl = embedded.url;
    stop = embedded.stop;
  }
  const shards: ShardConfig[] = [{ id: "main", url: mainUrl }, ...settings.extraShards.filter((shard) => shard.id !== "main")];
  try {
    for (const shard of shards) await prepareShardDatabase(shard.url);
    await migrateControlPlane(mainUrl);
  } catch (error) {
    await stop();
    throw error;
  }
  return { shards, embedded: !settings.databaseUrl, stop };
}
