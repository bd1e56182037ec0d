import type { AppConfig } from "../config.server";

export type MailSettings = {
  /** Without it, emails are "delivered" to the development mailbox (/dev/mailbox) instead of SMTP. */
  smtpUrl: string | undefined;
  fromAddress: string;
  /** /dev/mailbox exists only while nothing is really sent, and never in production. */
  devMailbox: boolean;
  worker: { mode: "inline" | "off"; concurrency: number; pollIntervalMs: number };
};

export function mailSettingsFrom(config: AppConfig): MailSettings {
  return {
    smtpUrl: config.SMTP_URL,
    fromAddress: config.MAIL_FROM ?? `support@${config.APP_DOMAIN}`,
    devMailbox: !config.SMTP_URL && config.NODE_ENV !== "production",
    worker: { mode: config.WORKER_MODE, concurrency: config.WORKER_CONCURRENCY, pollIntervalMs: config.WORKER_POLL_INTERVAL_MS },
  };
}
