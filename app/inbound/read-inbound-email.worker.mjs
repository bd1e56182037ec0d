// The entry of the inbound reader's worker threads (see inbound-reader-pool.server.ts). The reader is
// TypeScript, loaded through tsx as the rest of the server is, so threads started from `tsx server.ts`,
// `npm run worker` and the tests alike need no build step.
import { tsImport } from "tsx/esm/api";

const reader = tsImport("./read-inbound-email.server.ts", import.meta.url);

export default async function readInWorker({ raw, envelopeFrom }) {
  const { readInboundEmail } = await reader;
  return readInboundEmail(raw, envelopeFrom);
}
