import { isIP } from "node:net";
import { slugSchema } from "./slug";

export type HostResolution = { kind: "tenant"; slug: string } | { kind: "apex" } | { kind: "unknown"; host: string };

/**
 * Maps a Host header to a tenant slug. Only `<slug>.<appDomain>` names a tenant: the check is
 * case-insensitive, ignores a port and a trailing dot, and refuses IP literals, deeper names
 * (`a.b.<appDomain>`) and labels that could never be a valid slug. No database is touched here.
 */
export function resolveHost(rawHost: string | undefined, appDomain: string): HostResolution {
  const host = normaliseHost(rawHost ?? "");
  const domain = appDomain.toLowerCase().replace(/\.$/, "");
  if (!host || isIP(host) !== 0) return { kind: "unknown", host };
  if (host === domain || host === `www.${domain}`) return { kind: "apex" };
  if (!host.endsWith(`.${domain}`)) return { kind: "unknown", host };
  const label = host.slice(0, -(domain.length + 1));
  if (label.includes(".") || !slugSchema.safeParse(label).success) return { kind: "unknown", host };
  return { kind: "tenant", slug: label };
}

function normaliseHost(raw: string): string {
  let host = raw.trim().toLowerCase();
  if (host.startsWith("[")) {
    // IPv6 literal, with or without a port: never a tenant.
    return host.slice(1, host.indexOf("]") === -1 ? undefined : host.indexOf("]"));
  }
  const colon = host.lastIndexOf(":");
  if (colon !== -1) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return "";
    host = host.slice(0, colon);
  }
  return host.replace(/\.$/, "");
}

/** The Host we trust: the socket's Host header, or the first X-Forwarded-Host behind a trusted proxy. */
export function requestHost(headers: Record<string, string | string[] | undefined>, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = headers["x-forwarded-host"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    if (first) return first;
  }
  const host = headers.host;
  return Array.isArray(host) ? host[0] : host;
}
