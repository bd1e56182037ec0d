import { fieldError } from "../app-error";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { ssoSettingsSchema } from "./sso-schema";
import type { TenantHandle } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import type { CurrentUser } from "./current-user";
import { decryptSecret, encryptSecret } from "./secret-box.server";

export type SsoSettingsInput = z.output<typeof ssoSettingsSchema>;

export type SsoSettingsView = {
  enabled: boolean;
  issuer: string;
  clientId: string;
  hasClientSecret: boolean;
  autoCreateUsers: boolean;
  allowedDomains: string[];
};

export type SsoConfiguration = Omit<SsoSettingsView, "hasClientSecret"> & { clientSecret: string };

export async function getSsoSettings({ db, t }: TenantHandle): Promise<SsoSettingsView | null> {
  const [row] = await db.select().from(t.ssoSettings).limit(1);
  if (!row) return null;
  return {
    enabled: row.enabled,
    issuer: row.issuer,
    clientId: row.clientId,
    hasClientSecret: row.clientSecretEncrypted.length > 0,
    autoCreateUsers: row.autoCreateUsers,
    allowedDomains: row.allowedDomains,
  };
}

export async function isSsoEnabled(handle: TenantHandle): Promise<boolean> {
  return (await getSsoSettings(handle))?.enabled ?? false;
}

/** The full configuration, secret included, for the sign-in flow only. */
export async function getSsoConfiguration({ db, t }: TenantHandle, sessionSecret: string): Promise<SsoConfiguration | null> {
  const [row] = await db.select().from(t.ssoSettings).limit(1);
  if (!row || !row.enabled) return null;
  return {
    enabled: true,
    issuer: row.issuer,
    clientId: row.clientId,
    clientSecret: decryptSecret(sessionSecret, row.clientSecretEncrypted),
    autoCreateUsers: row.autoCreateUsers,
    allowedDomains: row.allowedDomains,
  };
}

export async function saveSsoSettings(handle: TenantHandle, actor: CurrentUser, input: SsoSettingsInput, sessionSecret: string): Promise<void> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    const [before] = await tx.select().from(t.ssoSettings).for("update").limit(1);
    const secret = input.clientSecret?.length ? encryptSecret(sessionSecret, input.clientSecret) : before?.clientSecretEncrypted;
    if (!secret) throw fieldError("clientSecret", "Enter the client secret", "client_secret_missing");
    const values = {
      enabled: input.enabled,
      issuer: input.issuer,
      clientId: input.clientId,
      clientSecretEncrypted: secret,
      autoCreateUsers: input.autoCreateUsers,
      allowedDomains: input.allowedDomains,
    };
    await tx
      .insert(t.ssoSettings)
      .values({ singleton: true, ...values })
      .onConflictDoUpdate({ target: t.ssoSettings.singleton, set: { ...values, updatedAt: sql`now()` } });
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of ["enabled", "issuer", "clientId", "autoCreateUsers", "allowedDomains"] as const) {
      const from = before?.[key] ?? null;
      if (JSON.stringify(from) !== JSON.stringify(values[key])) changes[key] = { from, to: values[key] };
    }
    if (input.clientSecret?.length) changes.clientSecret = { from: before ? "(set)" : null, to: "(changed)" };
    await recordActivity(tx, t, { actorType: "agent", actorUserId: actor.id, action: "sso.settings_changed", entityType: "workspace", changes });
  });
}
