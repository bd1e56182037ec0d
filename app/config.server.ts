import * as z from "zod";
import { trustProxySetting } from "./net/client-address.server";
import { outboundAllowListSetting } from "./net/outbound-address-policy.server";
import { DEFAULT_SMTP_RECEIVER_LIMITS } from "./inbound/smtp-receiver-limits.server";

const booleanFromEnv = z.enum(["true", "false", "1", "0", "yes", "no", ""]).transform((value) => value === "true" || value === "1" || value === "yes");

/** Extra shard servers: `SHARD_URLS="eu=postgres://…,us=postgres://…"`. The main shard is DATABASE_URL. */
const shardList = z
  .string()
  .default("")
  .transform((value, ctx) => {
    const shards: Array<{ id: string; url: string }> = [];
    for (const entry of value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)) {
      const eq = entry.indexOf("=");
      const id = entry.slice(0, eq).trim();
      const url = entry.slice(eq + 1).trim();
      if (eq <= 0 || !/^[a-z][a-z0-9_-]{0,30}$/.test(id) || !/^postgres(ql)?:\/\//.test(url)) {
        ctx.addIssue({
          code: "custom",
          message: `"${entry.replace(/:[^:@/]*@/, ":***@")}" is not <name>=postgres://… (name: lowercase letters, digits, - or _)`,
        });
        continue;
      }
      shards.push({ id, url });
    }
    return shards;
  });

/** An optional setting: unset and empty both mean "not configured". */
const optionalSetting = <T extends z.ZodType<unknown, string>>(schema: T) =>
  z
    .string()
    .transform((value) => value.trim() || undefined)
    .pipe(schema.optional())
    .optional();

/** Inbound email settings; exported on their own so the HTTP endpoint and settings page can read them. */
export const inboundEnvSchema = z.object({
  /** Mail for `<anything>@<slug>.<INBOUND_DOMAIN>` and `<slug>+<token>@<INBOUND_DOMAIN>` goes to that workspace. */
  INBOUND_DOMAIN: optionalSetting(
    z
      .string()
      .transform((value) => value.toLowerCase().replace(/\.$/, ""))
      .pipe(z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, "must be a host name such as mail.conductor.example.com")),
  ),
  /** The SMTP receiver listens only when this is set. */
  INBOUND_SMTP_PORT: optionalSetting(z.string().regex(/^\d+$/, "must be a port number").transform(Number).pipe(z.number().int().min(0).max(65535))),
  INBOUND_SMTP_HOST: z.string().min(1).default("0.0.0.0"),
  /** Shared secret of `POST /inbound/email` (Authorization: Bearer …); the endpoint is off (404) without it. */
  INBOUND_SECRET: optionalSetting(z.string().min(16, "must be at least 16 characters")),
  INBOUND_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  /** Concurrent SMTP connections one client address (an IPv6 /64) may hold; more get 421. */
  INBOUND_MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(1).default(DEFAULT_SMTP_RECEIVER_LIMITS.maxConnectionsPerClient),
  /** Bytes of messages being received over SMTP and not yet stored, all clients together; past it, 452. At least INBOUND_MAX_BYTES. */
  INBOUND_MAX_BYTES_IN_FLIGHT: z.coerce.number().int().min(1024).default(DEFAULT_SMTP_RECEIVER_LIMITS.maxBytesInFlight),
});

const envSchema = z.object({
  ...inboundEnvSchema.shape,
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  APP_DOMAIN: z
    .string()
    .default("localhost")
    .transform((value) => value.trim().toLowerCase().replace(/\.$/, ""))
    .pipe(z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, "must be a host name such as conductor.example.com")),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
    .optional(),
  SHARD_URLS: shardList,
  DATA_DIR: z.string().min(1).default(".data"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  TRUST_PROXY: trustProxySetting,
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  SMTP_URL: z
    .string()
    .transform((value) => value.trim() || undefined)
    .pipe(
      z
        .string()
        .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
        .optional(),
    )
    .optional(),
  /** The sender address; the From name is the workspace's. Default: support@<APP_DOMAIN>. */
  MAIL_FROM: z
    .string()
    .transform((value) => value.trim() || undefined)
    .pipe(z.email("must be an email address such as support@example.com").optional())
    .optional(),
  WORKER_MODE: z.enum(["inline", "off"]).default("inline"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(4),
  WORKER_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SEED_DEMO: booleanFromEnv.default(true),
  DB_SUBPOOLS: z.coerce.number().int().min(1).max(64).default(4),
  DB_SUBPOOL_MAX: z.coerce.number().int().min(1).max(100).default(3),
  DB_MAX_USES: z.coerce.number().int().min(0).default(5000),
  DB_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(0).default(1800),
  TENANT_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(12 * 60),
  SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(14 * 24),
  INVITE_TTL_HOURS: z.coerce.number().int().min(1).default(72),
  LOGIN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(30),
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
  /** Failed password sign-ins per account, from all addresses together; the owner is emailed when it trips. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(20),
  LOGIN_ACCOUNT_WINDOW_MINUTES: z.coerce.number().int().min(1).default(60),
  POLL_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
  GLOBAL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /** The largest request body of a page or portal form; larger ones get 413. `/api` (1 MB) and inbound mail (INBOUND_MAX_BYTES) have their own. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .default(1024 * 1024),
  /** Private hosts and ranges that outbound fetches (SSO) may reach: names, addresses or CIDRs. */
  OUTBOUND_ALLOWED_HOSTS: outboundAllowListSetting,
  /** `/metrics` (Prometheus) is served on this port of its own only when it is set; `0` picks a free one. */
  METRICS_PORT: optionalSetting(z.string().regex(/^\d+$/, "must be a port number").transform(Number).pipe(z.number().int().min(0).max(65535))),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** With it, a scrape must send `Authorization: Bearer <token>`; required when METRICS_HOST is not loopback. */
  METRICS_TOKEN: optionalSetting(z.string().min(16, "must be at least 16 characters")),
});

export type AppConfig = z.infer<typeof envSchema>;

const REQUIRED_IN_PRODUCTION = ["DATABASE_URL", "SESSION_SECRET", "APP_DOMAIN", "SMTP_URL"] as const;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Conductor cannot start; fix these settings (environment or .env):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const metricsProblem = metricsSettingsProblem(parsed.data);
  if (metricsProblem) throw new ConfigError([metricsProblem]);
  if (parsed.data.NODE_ENV === "production") {
    const missing = REQUIRED_IN_PRODUCTION.filter((name) => !env[name]);
    if (missing.length > 0) {
      throw new ConfigError(missing.map((name) => `${name} is required when NODE_ENV=production`));
    }
  }
  return parsed.data;
}

/** Metrics are never public by default: off unless METRICS_PORT is set, loopback unless a token guards them. */
function metricsSettingsProblem({ METRICS_PORT, METRICS_HOST, METRICS_TOKEN }: AppConfig): string | null {
  if (METRICS_PORT === undefined) return METRICS_TOKEN ? "METRICS_TOKEN: metrics are served only on METRICS_PORT, which is not set" : null;
  const loopback = METRICS_HOST === "localhost" || METRICS_HOST === "::1" || /^127(\.\d{1,3}){3}$/.test(METRICS_HOST);
  if (!loopback && !METRICS_TOKEN)
    return `METRICS_HOST: ${METRICS_HOST} is reachable from other machines; set METRICS_TOKEN too, or keep the default 127.0.0.1`;
  return null;
}
