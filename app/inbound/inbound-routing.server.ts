import { and, eq } from "drizzle-orm";
import { inboundAddresses, tenants } from "../../db/control-schema";
import type { Platform } from "../../tenancy/platform";
import { toTenantRecord } from "../../tenancy/tenant-registry";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { slugSchema } from "../../tenancy/slug";
import type { AppConfig } from "../config.server";

export type InboundSettings = {
  domain: string | null;
  smtpPort: number | null;
  smtpHost: string;
  secret: string | null;
  maxBytes: number;
  /** Domains no workspace may claim an address at: the app's and the sender address's. */
  reservedDomains: string[];
};

export function inboundSettingsFrom(
  config: Pick<AppConfig, "INBOUND_DOMAIN" | "INBOUND_SMTP_PORT" | "INBOUND_SMTP_HOST" | "INBOUND_SECRET" | "INBOUND_MAX_BYTES" | "APP_DOMAIN" | "MAIL_FROM">,
): InboundSettings {
  return {
    domain: config.INBOUND_DOMAIN ?? null,
    smtpPort: config.INBOUND_SMTP_PORT ?? null,
    smtpHost: config.INBOUND_SMTP_HOST,
    secret: config.INBOUND_SECRET ?? null,
    maxBytes: config.INBOUND_MAX_BYTES,
    reservedDomains: [...new Set([config.APP_DOMAIN, ...(config.MAIL_FROM ? [config.MAIL_FROM.slice(config.MAIL_FROM.lastIndexOf("@") + 1)] : [])])],
  };
}

/** The address customers write to: support@<slug>.<INBOUND_DOMAIN>. */
export function workspaceInboundAddress(slug: string, domain: string): string {
  return `support@${slug}.${domain}`;
}

/** An address in the INBOUND_DOMAIN namespace belongs to the tenant named in it, never to an extra-address entry. */
export function isInInboundDomain(address: string, domain: string | null): boolean {
  if (!domain) return false;
  const host = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
  return host === domain || host.endsWith(`.${domain}`);
}

/** Which tenant slug an address in the INBOUND_DOMAIN namespace names, if any. */
export function slugFromInboundAddress(address: string, domain: string | null): string | null {
  if (!domain) return null;
  const at = address.lastIndexOf("@");
  if (at <= 0) return null;
  const local = address.slice(0, at);
  const host = address.slice(at + 1);
  let slug: string | undefined;
  if (host.endsWith(`.${domain}`)) slug = host.slice(0, -domain.length - 1);
  else if (host === domain) slug = /^([^+]+)\+[^+]+$/.exec(local)?.[1];
  return slug && slugSchema.safeParse(slug).success ? slug : null;
}

/**
 * The active tenant an envelope recipient delivers to, or null (refuse it). Case-insensitive:
 * the address is lower-cased first, which is also how extra addresses are stored.
 */
export async function routeRecipient(platform: Platform, recipient: string, domain: string | null): Promise<TenantRecord | null> {
  const address = recipient.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) return null;
  if (isInInboundDomain(address, domain)) {
    const slug = slugFromInboundAddress(address, domain);
    const tenant = slug ? await platform.directory.lookup(slug) : null;
    return tenant?.status === "active" ? tenant : null;
  }
  const [row] = await platform.control.db
    .select({ tenant: tenants })
    .from(inboundAddresses)
    .innerJoin(tenants, eq(tenants.id, inboundAddresses.tenantId))
    // Only a verified claim routes: a pending one is refused like an address nobody claimed.
    .where(and(eq(inboundAddresses.address, address), eq(inboundAddresses.status, "verified")))
    .limit(1);
  return row && row.tenant.status === "active" ? toTenantRecord(row.tenant) : null;
}
