import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import { projectFile } from "../../db/project-files";
import type { ReadInboundEmail } from "./read-inbound-email.server";

/** Enough for the largest message (25 MB parsed, its HTML sanitised); past it only that thread dies. */
const READER_HEAP_MB = 1024;
/** A thread is kept this long after its last email, so a burst of mail does not start one per message; idle, it does not keep the process alive. */
const READER_IDLE_MS = 60_000;

let pool: Piscina | null = null;

function readerPool(): Piscina {
  pool ??= new Piscina({
    // From the project root, not this module: bundled into the server build, `import.meta.url` is build/index.js.
    filename: pathToFileURL(projectFile("app", "inbound", "read-inbound-email.worker.mjs")).href,
    minThreads: 0,
    // Half the cores at most: the web server and the database share the machine.
    maxThreads: Math.max(1, Math.floor(availableParallelism() / 2)),
    idleTimeout: READER_IDLE_MS,
    resourceLimits: { maxOldGenerationSizeMb: READER_HEAP_MB },
  });
  return pool;
}

/**
 * `readInboundEmail` in a worker thread. Parsing and sanitising a 25 MB message takes seconds of
 * CPU; on the main thread that is seconds in which (with WORKER_MODE=inline) the web server
 * answers nobody. Database work stays on the main thread.
 */
export async function readInboundEmailOffThread(raw: Buffer, envelopeFrom: string | null): Promise<ReadInboundEmail> {
  let result: ReadInboundEmail;
  try {
    result = (await readerPool().run({ raw, envelopeFrom })) as ReadInboundEmail;
  } catch (error) {
    // A message that needs more memory than a reader has is refused, not retried 25 times.
    if ((error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") return { ok: false, reason: "The email is too large or too complex to read." };
    throw error;
  }
  if (!result.ok) return result;
  // Buffers arrive as plain Uint8Arrays from the thread; the database driver wants Buffers (no copy).
  const attachments = result.email.attachments.map((file) => ({
    ...file,
    content: Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength),
  }));
  return { ok: true, email: { ...result.email, attachments } };
}
