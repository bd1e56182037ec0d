import type { AddressInfo } from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { tmpdir } from "node:os";
import { loadConfig } from "../../app/config.server";
import type * as ServerEntry from "../../app/entry.server";
import type { TrustProxy } from "../../app/net/client-address.server";
import type { Platform } from "../../tenancy/platform";
import { loadServerBuild } from "./server-build";

export const TEST_SESSION_SECRET = "test-session-secret-that-is-long-enough-0123456789";
const TEST_DATA_DIR = path.join(tmpdir(), "conductor-test-data");

export type TestServer = {
  port: number;
  /** GET (or any method) with an explicit Host header, as a browser on `<host>` would send it. */
  request(host: string, pathname?: string, init?: RequestInit): Promise<Response>;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
};

/**
 * The real Express app and Remix build on a random port, over the given platform. As in server.ts,
 * the Express app comes from the build's entry module, so a request meets one copy of each app module
 * (the test's own imports of app/ source are a second copy, used for setup and checks only). `trustProxy`
 * (else `env.TRUST_PROXY`) as TRUST_PROXY takes it; `true` means one hop: the test itself is the
 * proxy that appends X-Forwarded-For.
 */
export async function startTestServer(
  platform: Platform,
  { trustProxy = undefined as TrustProxy | true | undefined, appDomain = "localhost", env = {} } = {},
): Promise<TestServer> {
  const build = await loadServerBuild();
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ DATA_DIR: TEST_DATA_DIR, SESSION_SECRET: TEST_SESSION_SECRET, ...env });
  const { createConductorApp } = build.entry.module as unknown as typeof ServerEntry;
  const app = createConductorApp({
    config,
    platform,
    logger: pino({ level: config.LOG_LEVEL }, sink),
    build,
    mode: "production",
    appDomain,
    trustProxy: trustProxy === true ? 1 : (trustProxy ?? config.TRUST_PROXY),
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    logs,
    request: (host, pathname = "/", init = {}) => rawRequest(port, host, pathname, init),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** fetch() cannot set the Host header, so tests speak node:http. */
async function rawRequest(port: number, host: string, pathname: string, init: RequestInit): Promise<Response> {
  const http = await import("node:http");
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, ...(init.headers as Record<string, string> | undefined) };
    const req = http.request({ host: "127.0.0.1", port, path: pathname, method: init.method ?? "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
        resolve(
          new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode, headers: responseHeaders }),
        );
      });
    });
    req.on("error", reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}
