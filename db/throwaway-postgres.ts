import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres";

export type ThrowawayPostgres = {
  url: string;
  /** Stops the server but keeps its data, as a crash or restart of the database would. */
  halt(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  resume(): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
};

/** An embedded PostgreSQL in a fresh temp dir on a free port, for tests and benchmarks. */
export async function startThrowawayPostgres({
  prefix = "conductor-pg-",
  log,
}: { prefix?: string; log?: (line: string) => void } = {}): Promise<ThrowawayPostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), prefix));
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ dataDir, port, log });
  let server: EmbeddedDatabase | null;
  try {
    server = await start();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: server.url,
    halt: async () => {
      await server?.stop();
      server = null;
    },
    resume: async () => {
      server = await start();
    },
    stop: async () => {
      await server?.stop();
      server = null;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
