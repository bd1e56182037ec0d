import { sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import type { PortalSettingsInput } from "./portal-settings-schema";

export type PortalSettings = { logoUrl: string | null; accentColor: string | null; categories: string[] };

const NO_SETTINGS: PortalSettings = { logoUrl: null, accentColor: null, categories: [] };

/** The workspace's portal branding and categories; defaults until an admin saves them. */
export async function getPortalSettings({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<PortalSettings> {
  const [row] = await db
    .select({ logoUrl: t.portalSettings.logoUrl, accentColor: t.portalSettings.accentColor, categories: t.portalSettings.categories })
    .from(t.portalSettings)
    .limit(1);
  return row ?? NO_SETTINGS;
}

export async function savePortalSettings(handle: TenantHandle, actor: Actor, input: PortalSettingsInput): Promise<PortalSettings> {
  const { t } = handle;
  const next: PortalSettings = { logoUrl: input.logoUrl ?? null, accentColor: input.accentColor ?? null, categories: input.categories };
  await handle.transaction(async (tx) => {
    const [current] = await tx
      .select({ logoUrl: t.portalSettings.logoUrl, accentColor: t.portalSettings.accentColor, categories: t.portalSettings.categories })
      .from(t.portalSettings)
      .for("update");
    const before = current ?? NO_SETTINGS;
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const field of ["logoUrl", "accentColor", "categories"] as const) {
      if (JSON.stringify(before[field]) !== JSON.stringify(next[field])) changes[field] = { from: before[field], to: next[field] };
    }
    if (Object.keys(changes).length === 0) return;
    await tx
      .insert(t.portalSettings)
      .values({ singleton: true, ...next })
      .onConflictDoUpdate({ target: t.portalSettings.singleton, set: { ...next, updatedAt: sql`now()` } });
    await recordActivity(tx, t, { ...actorColumns(actor), action: "portal.settings_changed", entityType: "portal", changes });
  });
  return next;
}
