import { mkdtemp, rm } from "node:fs/promises";
import { freePort } from "../../db/throwaway-postgres";
import { tmpdir } from "node:os";
import path from "node:path";
import { embeddedClusterPid, startEmbeddedPostgres } from "../../db/embedded-postgres";

export type BenchPostgres = { url: string; dataDir: string; stop(): Promise<void> };

/**
 * A throw-away embedded PostgreSQL, like db/throwaway-postgres.ts, whose stop() also copes with
 * Ctrl-C: the terminal signals the whole process group, PostgreSQL shuts itself down first, and
 * embedded-postgres' stop() then waits for an exit event that has already fired. Here the data
 * directory is removed as soon as the server is gone, however it went.
 */
export async function startBenchPostgres(log: (line: string) => void): Promise<BenchPostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "conductor-bench-agent-"));
  try {
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      dataDir,
      stop: () =>
        (stopping ??= (async () => {
          await Promise.race([server.stop(), clusterGone(dataDir)]);
          await rm(dataDir, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function clusterGone(dataDir: string): Promise<void> {
  while (embeddedClusterPid(dataDir) !== null) await new Promise((resolve) => setTimeout(resolve, 100));
}
