// HTTP for bench:agent: single requests to check a target, and autocannon runs to measure it.
import http from "node:http";
import autocannon from "autocannon";
import { percentile } from "./support";

export type Kind = "data" | "document";

/** What a browser sends: a document navigation, or Remix's single-fetch data request. */
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const ACCEPT: Record<Kind, string> = { document: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", data: "*/*" };

export type Endpoint = { port: number; host: string; cookie: string };

/**
 * The URL Remix's client fetches for a route's data with single fetch (server-runtime 2.17:
 * a path ending in `.data`, `/_root.data` for `/`; the search stays as it is).
 */
export function dataPath(documentPath: string): string {
  const url = new URL(documentPath, "http://x");
  const pathname = url.pathname === "/" ? "/_root.data" : `${url.pathname.replace(/\/$/, "")}.data`;
  return `${pathname}${url.search}`;
}

export function pathFor(documentPath: string, kind: Kind): string {
  return kind === "data" ? dataPath(documentPath) : documentPath;
}

function headers(endpoint: Endpoint, kind: Kind): Record<string, string> {
  return { host: endpoint.host, cookie: endpoint.cookie, "user-agent": BROWSER_UA, accept: ACCEPT[kind] };
}

export type Fetched = { status: number; contentType: string; body: string; bytes: number };

export function fetchOnce(endpoint: Endpoint, path: string, kind: Kind): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port: endpoint.port, path, method: "GET", headers: headers(endpoint, kind) }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers["content-type"] ?? ""),
          body: body.toString("utf8"),
          bytes: body.length,
        });
      });
    });
    request.setTimeout(30_000, () => request.destroy(new Error(`GET ${path}: no answer within 30 s`)));
    request.on("error", reject);
    request.end();
  });
}

/** One autocannon run. */
export type LoadSample = {
  seconds: number;
  /** Responses with status 200. */
  ok: number;
  /** Responses other than 200 (a 202 is a single-fetch redirect, e.g. to the sign-in page), plus socket errors and timeouts. */
  bad: number;
  statuses: Record<string, number>;
  /** Milliseconds from sending each request to its whole response. */
  latencies: number[];
};

/** Several samples of one target taken together. */
export type LoadResult = {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  bad: number;
  statuses: Record<string, number>;
};

/** `connections` keep-alive connections send `path` back to back for `seconds`. */
export async function runLoad(endpoint: Endpoint, path: string, kind: Kind, connections: number, seconds: number): Promise<LoadSample> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `http://127.0.0.1:${endpoint.port}${path}`, connections, duration: seconds, headers: headers(endpoint, kind), timeout: 30 },
      (error: unknown, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]));
  const ok = statuses["200"] ?? 0;
  const completed = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return { seconds: result.duration, ok, bad: completed - ok + result.errors + result.timeouts, statuses, latencies };
}

export function summarize(samples: LoadSample[]): LoadResult {
  const latencies = samples.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
  const seconds = samples.reduce((sum, sample) => sum + sample.seconds, 0);
  const ok = samples.reduce((sum, sample) => sum + sample.ok, 0);
  const statuses: Record<string, number> = {};
  for (const sample of samples) for (const [code, count] of Object.entries(sample.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  return {
    requests: Object.values(statuses).reduce((sum, n) => sum + n, 0),
    seconds,
    rps: seconds ? ok / seconds : 0,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    bad: samples.reduce((sum, sample) => sum + sample.bad, 0),
    statuses,
  };
}
