import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import * as z from "zod";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** What an operator lets outbound requests reach besides the public internet (OUTBOUND_ALLOWED_HOSTS). */
export type OutboundAllowList = { hosts: ReadonlySet<string>; ranges: ReadonlyArray<[Address, number]> };

const hostLabel = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function normaliseHostName(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

function isHostName(value: string): boolean {
  return value.length <= 253 && value.split(".").every((label) => hostLabel.test(label));
}

/** `OUTBOUND_ALLOWED_HOSTS="idp.corp.example, 10.20.0.0/16, fd00:1::/48"`: host names, addresses and CIDR ranges. */
export const outboundAllowListSetting = z
  .string()
  .default("")
  .transform((value, ctx): OutboundAllowList => {
    const hosts = new Set<string>();
    const ranges: Array<[Address, number]> = [];
    for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
      const unbracketed = entry.replace(/^\[(.*)\]$/, "$1");
      if (entry.includes("/") && ipaddr.isValidCIDR(entry)) ranges.push(ipaddr.parseCIDR(entry));
      else if (isIP(unbracketed)) {
        const address = ipaddr.parse(unbracketed);
        ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
      } else if (isHostName(normaliseHostName(entry))) hosts.add(normaliseHostName(entry));
      else ctx.addIssue({ code: "custom", message: `"${entry}" is not a host name, IP address or CIDR range` });
    }
    return { hosts, ranges };
  });

const rangeDescriptions: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private-network address",
  carrierGradeNat: "a carrier-grade NAT address",
  linkLocal: "a link-local address",
  uniqueLocal: "a unique-local address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "the broadcast address",
  ipv4Compatible: "an IPv4-compatible IPv6 address",
  teredo: "a Teredo tunnel address",
};

/** The IPv4 address an IPv6 translation or tunnel form carries, when it names one. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = address.parts;
  const fromWords = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  // NAT64 well-known prefix (RFC 6052) and SIIT (RFC 6145) put it in the last 32 bits, 6to4 (RFC 3056) in bits 16–47.
  if (address.match(ipaddr.IPv6.parse("64:ff9b::"), 96) || address.range() === "rfc6145") return fromWords(parts[6]!, parts[7]!);
  if (address.range() === "6to4") return fromWords(parts[1]!, parts[2]!);
  return null;
}

/**
 * Why an address is not on the public internet, or null when it is. Only global unicast passes:
 * every special-purpose range ipaddr.js knows (loopback, private, CGNAT, link-local, unique-local,
 * multicast, unspecified, broadcast, reserved, documentation, benchmarking, …) is refused, and an
 * IPv6 form that carries an IPv4 address is judged by the address it carries.
 */
export function nonPublicRange(address: string): string | null {
  const parsed = ipaddr.process(address); // IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes the IPv4 address
  if (parsed.kind() === "ipv4") return parsed.range() === "unicast" ? null : parsed.range();
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) return embedded.range() === "unicast" ? null : embedded.range();
  // ::a.b.c.d (deprecated IPv4-compatible) is "unicast" to ipaddr.js, but no public host uses it.
  if (v6.parts.slice(0, 6).every((part) => part === 0)) return v6.range() === "unicast" ? "ipv4Compatible" : v6.range();
  return v6.range() === "unicast" ? null : v6.range();
}

export function describeRange(range: string): string {
  return rangeDescriptions[range] ?? `a reserved address (${range})`;
}

/** Null when the address may be reached, else why not. A host name on the allow-list passes whatever it resolves to. */
export function refusalFor(address: string, hostName: string, allowList: OutboundAllowList): string | null {
  if (allowList.hosts.has(normaliseHostName(hostName))) return null;
  const parsed = ipaddr.process(address);
  if (allowList.ranges.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return null;
  const range = nonPublicRange(address);
  return range === null ? null : describeRange(range);
}
