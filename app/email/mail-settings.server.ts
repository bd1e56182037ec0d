import { authSettingsFrom } from "../auth/auth-settings.server";
import type { AppConfig } from "../config.server";
import type { OutboundPolicy } from "../net/outbound-http.server";

export type MailSettings = {
  /** Without it, emails are "delivered" to the development mailbox (/dev/mailbox) instead of SMTP. */
  smtpUrl: string | undefined;
  fromAddress: string;
  /** /dev/mailbox exists only while nothing is really sent, and never in production. */
  devMailbox: boolean;
  worker: { mode: "inline" | "off"; concurrency: number; pollIntervalMs: number };
  /** Signs reply addresses (`<slug>+<token>@INBOUND_DOMAIN`) and verifies them when replies come in. */
  replyTokenSecret: string;
  /** Set when Conductor receives mail: outbound emails then carry a per-ticket Reply-To. */
  inboundDomain: string | null;
  /** A workspace's own address, for links in emails written by the worker (no request to take it from). */
  originFor: (tenant: { slug: string }) => string;
  /** The rules of every request to a tenant-given URL; the worker's webhook deliveries follow them too. */
  outbound: OutboundPolicy;
};

export function mailSettingsFrom(config: AppConfig): MailSettings {
  return {
    smtpUrl: config.SMTP_URL,
    fromAddress: config.MAIL_FROM ?? `support@${config.APP_DOMAIN}`,
    devMailbox: !config.SMTP_URL && config.NODE_ENV !== "production",
    worker: { mode: config.WORKER_MODE, concurrency: config.WORKER_CONCURRENCY, pollIntervalMs: config.WORKER_POLL_INTERVAL_MS },
    replyTokenSecret: authSettingsFrom(config).sessionSecret,
    inboundDomain: config.INBOUND_DOMAIN ?? null,
    outbound: { allowList: config.OUTBOUND_ALLOWED_HOSTS, requireHttps: config.NODE_ENV === "production" },
    originFor: ({ slug }) =>
      config.NODE_ENV === "production"
        ? `https://${slug}.${config.APP_DOMAIN}`
        : `http://${slug}.${config.APP_DOMAIN}${[80, 443].includes(config.PORT) ? "" : `:${config.PORT}`}`,
  };
}
