import { isIP } from "node:net";
import type { NextFunction, Request, Response } from "express";
import * as z from "zod";

/**
 * Which proxies in front of Conductor are trusted: `false` (none, the socket's peer is the client),
 * a number of hops (the client address is taken that many entries from the right of
 * X-Forwarded-For), or a list of proxy addresses / CIDRs. Handed to Express's `trust proxy`, so
 * `req.ip` follows it; `true` ("trust every entry") is never a value: the left-most entry is
 * whatever the client wrote.
 */
export type TrustProxy = false | number | string[];

/** Whether the request's socket peer is a proxy we trust, by Express's compiled `trust proxy`. */
export function peerIsTrustedProxy(req: Request): boolean {
  const trust = req.app.get("trust proxy fn") as ((address: string, hop: number) => boolean) | undefined;
  return Boolean(trust && req.socket.remoteAddress && trust(req.socket.remoteAddress, 0));
}

/**
 * The value of an X-Forwarded-Host/-Proto header set by the nearest trusted proxy: its right-most
 * entry (proxies append, so entries to its left may come from the client), or undefined when the
 * peer is not a trusted proxy.
 */
export function trustedForwardedValue(req: Request, header: "x-forwarded-host" | "x-forwarded-proto"): string | undefined {
  if (!peerIsTrustedProxy(req)) return undefined;
  const raw = req.headers[header];
  const joined = Array.isArray(raw) ? raw.join(",") : raw;
  return joined?.split(",").at(-1)?.trim() || undefined;
}

/**
 * Leaves X-Forwarded-Host and X-Forwarded-Proto holding only the trusted proxy's value, or removes
 * them when the peer is not trusted. Express (`req.hostname`, `req.protocol`) and Remix's adapter
 * (the request URL, whose origin goes into emailed links) read the left-most entry themselves.
 */
export function trustedForwardedHeaders() {
  return (req: Request, _res: Response, next: NextFunction) => {
    for (const header of ["x-forwarded-host", "x-forwarded-proto"] as const) {
      const value = trustedForwardedValue(req, header);
      if (value) req.headers[header] = value;
      else delete req.headers[header];
    }
    next();
  };
}

/**
 * The rate-limit key of a client address. An IPv6 client usually holds a whole /64 (and may pick
 * any address in it), so IPv6 addresses are keyed by their /64; IPv4 (also IPv4-mapped IPv6, as a
 * dual-stack socket reports it) by the address itself.
 */
export function clientKey(ip: string | undefined): string {
  const address = (ip ?? "").trim().replace(/%.*$/, "").toLowerCase();
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return address || "unknown";
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** A proxy address, a CIDR, or one of Express's names for a range. */
function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry) || isIP(entry) !== 0) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  return rest.length === 0 && family !== 0 && prefix !== undefined && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY`: unset, empty, `false` or `0` for none; the number of proxy hops (`1` behind one
 * load balancer); or a comma list of proxy addresses and CIDRs (`10.0.0.0/8,loopback`).
 * `true` is refused: with it Express took the left-most X-Forwarded-For, which the client writes.
 */
export const trustProxySetting = z
  .string()
  .default("")
  .transform((value, ctx): TrustProxy => {
    const text = value.trim().toLowerCase();
    if (text === "" || text === "false" || text === "no" || text === "0") return false;
    if (text === "true" || text === "yes") {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is no longer accepted: it trusted every X-Forwarded-For entry, and a client can write its own. Give the number of proxies in front of Conductor (TRUST_PROXY=1 behind one load balancer) or their addresses (TRUST_PROXY=10.0.0.0/8,loopback)`,
      });
      return z.NEVER;
    }
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= 32) return hops;
      ctx.addIssue({ code: "custom", message: `${hops} proxy hops is not plausible: give the number of proxies in front of Conductor (usually 1 or 2)` });
      return z.NEVER;
    }
    const entries = text
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    const invalid = entries.filter((entry) => !isProxyAddress(entry));
    if (invalid.length > 0 || entries.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `${invalid.map((entry) => `"${entry}"`).join(", ") || "it"} is not a proxy hop count, IP address, CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`,
      });
      return z.NEVER;
    }
    return entries;
  });
