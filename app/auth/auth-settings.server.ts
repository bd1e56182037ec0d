import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AppConfig } from "../config.server";
import { randomToken } from "./tokens.server";

export type AuthSettings = {
  sessionSecret: string;
  /** Production: `Secure` + `__Host-` cookies. */
  secureCookies: boolean;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  inviteTtlHours: number;
};

export function authSettingsFrom(config: AppConfig): AuthSettings {
  return {
    sessionSecret: config.SESSION_SECRET ?? developmentSessionSecret(config.DATA_DIR),
    secureCookies: config.NODE_ENV === "production",
    sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    sessionMaxHours: config.SESSION_MAX_HOURS,
    inviteTtlHours: config.INVITE_TTL_HOURS,
  };
}

/** Outside production a secret is generated once and kept beside the embedded database. */
function developmentSessionSecret(dataDir: string): string {
  const file = path.resolve(dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomToken(48);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
