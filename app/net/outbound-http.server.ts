import { lookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { AppError } from "../app-error";
import { refusalFor, type OutboundAllowList } from "./outbound-address-policy.server";

export type ResolvedAddress = { address: string; family: 4 | 6 };

/** Process-wide rules for every server-side request to a URL that a tenant can influence. */
export type OutboundPolicy = {
  allowList: OutboundAllowList;
  /** Production: plain http is refused on every hop. */
  requireHttps: boolean;
  /** Every address of a name; the system resolver unless a test injects one. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
};

export type SafeFetchOptions = {
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array;
  /** The whole exchange: every hop, and the body. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** The response body is read up to this size; past it the request is aborted. */
  maxBytes?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
};

export type OutboundFailure =
  "invalid_url" | "https_required" | "forbidden_address" | "dns_failed" | "connection_failed" | "timeout" | "too_large" | "too_many_redirects";

/** A refused or failed request: AppError `outbound_<reason>`. The message names the URL's origin, never an address a name resolved to. */
const outboundFailure = (reason: OutboundFailure, message: string) => new AppError(`outbound_${reason}`, message, { reason });

export function isOutboundFailure(error: unknown): error is AppError & { details: { reason: OutboundFailure } } {
  return AppError.is(error) && error.code.startsWith("outbound_");
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/**
 * fetch() for URLs a tenant can influence (OpenID Connect endpoints, webhooks). Each hop's name is
 * resolved here, every address is checked against the policy, and the connection goes to the
 * checked address (the socket's lookup is pinned to it, so a DNS answer that changes between check
 * and connect cannot move it). Redirects are followed through the same check; the body is buffered
 * up to `maxBytes`. Failures are `outbound_<reason>` AppErrors (isOutboundFailure).
 */
export async function safeFetch(policy: OutboundPolicy, input: string | URL, options: SafeFetchOptions = {}): Promise<Response> {
  const { timeoutMs = 10_000, maxBytes = 1024 * 1024, maxRedirects = 5 } = options;
  const connectTimeoutMs = Math.min(options.connectTimeoutMs ?? 5_000, timeoutMs);
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const headers = new Headers(options.headers);
  if (!headers.has("user-agent")) headers.set("user-agent", "Conductor");
  // An encoded body would be capped before it is decoded; ask for none, and decode none.
  headers.set("accept-encoding", "identity");
  let url = parseUrl(String(input));
  let method = (options.method ?? "GET").toUpperCase();
  let body = options.body;

  try {
    for (let hop = 0; ; hop += 1) {
      const target = await vetted(policy, url, signal);
      const reply = await exchange(url, target, { method, headers, body, signal, connectTimeoutMs, maxBytes });
      const location = REDIRECTS.has(reply.status) ? reply.headers.get("location") : null;
      if (location === null) return new Response(reply.body, { status: reply.status, statusText: reply.statusText, headers: reply.headers });
      if (hop >= maxRedirects) throw outboundFailure("too_many_redirects", `${url.origin} redirected more than ${maxRedirects} times.`);
      const next = parseUrl(location, url);
      if (reply.status === 303 || ((reply.status === 301 || reply.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = undefined;
        headers.delete("content-type");
      }
      if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      url = next;
    }
  } catch (error) {
    if (isOutboundFailure(error)) throw error;
    if (deadline.aborted) throw outboundFailure("timeout", `${url.origin} did not answer within ${timeoutMs} ms.`);
    if (options.signal?.aborted) throw options.signal.reason;
    throw outboundFailure("connection_failed", `Could not connect to ${url.origin} (${(error as NodeJS.ErrnoException).code ?? "network error"}).`);
  }
}

function parseUrl(value: string, base?: URL): URL {
  // The WHATWG parser also canonicalises every IPv4 spelling (2130706433, 127.1, 0x7f.1) to a.b.c.d.
  const url = URL.canParse(value, base) ? new URL(value, base) : null;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw outboundFailure("invalid_url", "Only http(s) URLs can be fetched.");
  if (url.username || url.password) throw outboundFailure("invalid_url", "URLs with a user name or password are not fetched.");
  return url;
}

async function vetted(policy: OutboundPolicy, url: URL, signal: AbortSignal): Promise<ResolvedAddress[]> {
  if (policy.requireHttps && url.protocol !== "https:") throw outboundFailure("https_required", `${url.origin} is not https; only https URLs are fetched.`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal as 4 | 6 }] : await resolveAll(policy, host, signal);
  if (addresses.length === 0) throw outboundFailure("dns_failed", `${url.hostname} has no address.`);
  for (const { address } of addresses) {
    const refusal = refusalFor(address, host, policy.allowList);
    if (refusal) {
      const subject = literal ? `${url.origin} is ${refusal}` : `${url.hostname} resolves to ${refusal}`;
      throw outboundFailure("forbidden_address", `${subject}, which Conductor does not connect to. An operator can allow it with OUTBOUND_ALLOWED_HOSTS.`);
    }
  }
  return addresses;
}

async function resolveAll(policy: OutboundPolicy, host: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
  const resolve = policy.resolve ?? ((name: string) => lookup(name, { all: true, verbatim: true }) as Promise<ResolvedAddress[]>);
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  try {
    return await Promise.race([resolve(host), aborted]);
  } catch (error) {
    if (signal.aborted) throw error;
    throw outboundFailure("dns_failed", `${host} could not be resolved (${(error as NodeJS.ErrnoException).code ?? "DNS error"}).`);
  }
}

/** The socket connects to the vetted addresses (all of them for Happy Eyeballs) whatever the name resolves to by then. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (error: null, all: ResolvedAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

type Exchange = { method: string; headers: Headers; body: string | Uint8Array | undefined; signal: AbortSignal; connectTimeoutMs: number; maxBytes: number };
type Reply = { status: number; statusText: string; headers: Headers; body: Uint8Array<ArrayBuffer> | null };

function exchange(url: URL, target: ResolvedAddress[], { method, headers, body, signal, connectTimeoutMs, maxBytes }: Exchange): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing: Record<string, string> = Object.fromEntries(headers);
    if (body !== undefined) outgoing["content-length"] = String(Buffer.byteLength(body));
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(url, { method, headers: outgoing, lookup: pinnedLookup(target), agent: false, signal }, (response) => {
      const replyHeaders = headersOf(response);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status) && replyHeaders.has("location")) {
        response.destroy(); // a redirect's body is never read
        return resolve({ status, statusText: response.statusMessage ?? "", headers: replyHeaders, body: null });
      }
      if (status < 200 || status > 599) return request.destroy(outboundFailure("connection_failed", `${url.origin} answered with HTTP status ${status}.`));
      const tooLarge = () => outboundFailure("too_large", `${url.origin} answered with more than ${maxBytes} bytes.`);
      if (Number(response.headers["content-length"] ?? 0) > maxBytes) return request.destroy(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) request.destroy(tooLarge());
        else chunks.push(chunk);
      });
      response.on("error", reject);
      response.on("end", () => {
        const content = status === 204 || status === 304 || method === "HEAD" ? null : new Uint8Array(Buffer.concat(chunks, size));
        resolve({ status, statusText: response.statusMessage ?? "", headers: replyHeaders, body: content });
      });
    });
    request.on("error", reject);
    request.on("socket", (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => request.destroy(outboundFailure("timeout", `Could not connect to ${url.origin} within ${connectTimeoutMs} ms.`)),
        connectTimeoutMs,
      );
      socket.once("connect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });
    request.end(body);
  });
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
  return headers;
}
