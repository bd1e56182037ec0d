import type { Platform } from "../tenancy/platform";
import { authSettingsFrom } from "./auth/auth-settings.server";
import { createRateLimits } from "./auth/rate-limits.server";
import type { AppConfig } from "./config.server";
import { mailSettingsFrom } from "./email/mail-settings.server";
import { createPortalRateLimits } from "./portal/portal-rate-limits.server";
import { inboundSettingsFrom } from "./inbound/inbound-routing.server";
import type { AppServices } from "./load-context";

export function createAppServices(config: AppConfig, platform: Platform): AppServices {
  const mail = mailSettingsFrom(config);
  return {
    auth: authSettingsFrom(config),
    ui: { pollIntervalMs: config.POLL_INTERVAL_SECONDS * 1000 },
    mail: { devMailbox: mail.devMailbox, fromAddress: mail.fromAddress, originFor: mail.originFor },
    rateLimits: createRateLimits(platform.control.pool, {
      loginMaxFailuresPerEmail: config.LOGIN_MAX_FAILURES_PER_EMAIL,
      loginMaxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
      loginWindowMinutes: config.LOGIN_WINDOW_MINUTES,
      loginMaxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginAccountWindowMinutes: config.LOGIN_ACCOUNT_WINDOW_MINUTES,
      globalPerMinute: config.GLOBAL_RATE_LIMIT_PER_MINUTE,
    }),
    portalRateLimits: createPortalRateLimits(platform.control.pool),
    inbound: inboundSettingsFrom(config),
    control: platform.control.db,
    requestLimits: { maxBodyBytes: config.MAX_BODY_BYTES },
    outbound: mail.outbound,
  };
}
