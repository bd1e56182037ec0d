import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../db/embedded-postgres";
import { freePort } from "./free-port";

export type ScratchPostgres = { url: string; port: number; dataDir: string; stop(): Promise<void>; restart(): Promise<void> };

/** A throw-away PostgreSQL server of our own, for tests that start, stop or compare servers. */
export async function startScratchPostgres(database = "conductor"): Promise<ScratchPostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "conductor-pg-"));
  const port = await freePort();
  let server = await startEmbeddedPostgres({ dataDir, port, database });
  return {
    url: server.url,
    port,
    dataDir,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    restart: async () => {
      await server.stop();
      server = await startEmbeddedPostgres({ dataDir, port, database });
    },
  };
}
