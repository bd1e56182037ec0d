import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../db/embedded-postgres";
import { freePort } from "./free-port";

export type ScratchPostgres = {
  url: string;
  /** Stops the server but keeps its data, as a crash or restart of the database would. */
  halt(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  resume(): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
};

/** A throw-away PostgreSQL server of our own, for tests that start, stop or compare servers. */
export async function startScratchPostgres(database = "conductor"): Promise<ScratchPostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "conductor-pg-"));
  const port = await freePort();
  let server: EmbeddedDatabase | null = await startEmbeddedPostgres({ dataDir, port, database });
  return {
    url: server.url,
    halt: async () => {
      await server?.stop();
      server = null;
    },
    resume: async () => {
      server = await startEmbeddedPostgres({ dataDir, port, database });
    },
    stop: async () => {
      await server?.stop();
      server = null;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
