import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import type { AuthSettings } from "./auth/auth-settings.server";
import type { RequestAuth } from "./auth/current-user";
import type { RateLimits } from "./auth/rate-limits.server";
import type { PortalRateLimits } from "./portal/portal-rate-limits.server";
import type { InboundSettings } from "./inbound/inbound-routing.server";
import type { ControlDatabase } from "../tenancy/control-plane";
import type { OutboundPolicy } from "./net/outbound-http.server";
import type { Logger } from "pino";

/** Process-wide services a loader or action may need besides the tenant's database. */
export type AppServices = {
  auth: AuthSettings;
  rateLimits: RateLimits;
  portalRateLimits: PortalRateLimits;
  inbound: InboundSettings;
  /** The control plane (tenant registry, inbound address map). Tenant data never goes through it. */
  control: ControlDatabase;
  /** How often open screens revalidate; 0 turns polling off. */
  ui: { pollIntervalMs: number };
  /**
   * `devMailbox`: /dev/mailbox shows the outbox (no SMTP_URL, not production). `fromAddress`: the sender address.
   * `originFor`: the workspace's canonical address from configuration, for links in emails (never the request's Host).
   */
  mail: { devMailbox: boolean; fromAddress: string; originFor: (tenant: { slug: string }) => string };
  /** `maxBodyBytes`: the largest body of a page or portal request (MAX_BODY_BYTES). */
  requestLimits: { maxBodyBytes: number };
  /** The rules of every server-side fetch of a URL a tenant can influence (`safeFetch`). */
  outbound: OutboundPolicy;
};

export type ConductorLoadContext = {
  tenant: TenantRecord;
  /** The tenant-bound database handle from the connection router. */
  db: TenantHandle;
  /** The signed-in team member, or null for anonymous requests. */
  auth: RequestAuth | null;
  requestId: string;
  /** The request's logger (pino-http's `req.log`): every line it writes carries the request id. */
  log: Logger;
  /** The client's address, through trusted proxies only (TRUST_PROXY). */
  clientIp: string;
  /** What rate limits key the client by: its IPv4 address or its IPv6 /64 (see clientKey). */
  clientKey: string;
  cspNonce: string;
  services: AppServices;
};

declare module "@remix-run/node" {
  interface AppLoadContext extends ConductorLoadContext {}
}
