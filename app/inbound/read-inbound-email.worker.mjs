// The entry of the inbound reader's worker threads (see inbound-reader-pool.server.ts). The reader is
// TypeScript loaded through tsx from its source, so threads started from the server build (`npm start`),
// `npm run worker` and the tests alike run the same file. A thread has a heap of its own: this copy of
// the reader's modules shares no state with the process that started it.
import { tsImport } from "tsx/esm/api";

const reader = tsImport("./read-inbound-email.server.ts", import.meta.url);

export default async function readInWorker({ raw, envelopeFrom }) {
  const { readInboundEmail } = await reader;
  return readInboundEmail(raw, envelopeFrom);
}
