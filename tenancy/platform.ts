import type { AppConfig } from "../app/config.server";
import { openDatabaseServers, type DatabaseServers } from "../db/database-servers";
import { ConnectionRouter, type PoolOptions, type ShardConfig } from "./connection-router";
import { openControlPlane, type ControlPlane } from "./control-plane";
import { TenantChangeListener } from "./tenant-change-listener";
import { TenantDirectory } from "./tenant-registry";

export type Platform = {
  control: ControlPlane;
  router: ConnectionRouter;
  directory: TenantDirectory;
  /** Evicts the directory's entries of a tenant when its registry row changes; null without a cache to evict. */
  tenantChanges: TenantChangeListener | null;
  close(): Promise<void>;
};

/** The long-lived database objects of one process: control plane, tenant router, tenant directory. */
export function createPlatform(
  shards: ShardConfig[],
  {
    poolOptions = {},
    tenantCacheTtlMs = 5000,
    onPoolError = () => {},
    listenForTenantChanges = tenantCacheTtlMs > 0,
  }: { poolOptions?: Partial<PoolOptions>; tenantCacheTtlMs?: number; onPoolError?: (error: Error, source: string) => void; listenForTenantChanges?: boolean } = {},
): Platform {
  const main = shards.find((shard) => shard.id === "main");
  if (!main) throw new Error('the "main" shard (DATABASE_URL) is required: it holds the control plane');
  const control = openControlPlane(main.url, (error) => onPoolError(error, "control"));
  const router = new ConnectionRouter(shards, poolOptions, onPoolError);
  const directory = new TenantDirectory(control.db, tenantCacheTtlMs);
  const tenantChanges = listenForTenantChanges
    ? new TenantChangeListener({
        url: main.url,
        onTenantChanged: (tenantId) => directory.forgetTenant(tenantId),
        onResync: () => directory.forgetAll(),
        onError: (error) => onPoolError(error, "tenant-changes"),
      }).start()
    : null;
  return {
    control,
    router,
    directory,
    tenantChanges,
    close: async () => {
      await Promise.all([tenantChanges?.stop(), router.close(), control.close().catch(() => {})]);
    },
  };
}

export type OpenedPlatform = Platform & { servers: DatabaseServers };

/** Opens the database servers named by the configuration and the platform over them. */
export async function openPlatform(
  config: AppConfig,
  log: { debug(message: string): void; error(error: unknown, message: string): void },
  { listenForTenantChanges = true }: { listenForTenantChanges?: boolean } = {},
): Promise<OpenedPlatform> {
  const servers = await openDatabaseServers(
    { databaseUrl: config.DATABASE_URL, extraShards: config.SHARD_URLS, dataDir: config.DATA_DIR, embeddedPort: config.EMBEDDED_PG_PORT },
    (message) => log.debug(message),
  );
  const platform = createPlatform(servers.shards, {
    tenantCacheTtlMs: config.TENANT_CACHE_TTL_MS,
    listenForTenantChanges: listenForTenantChanges && config.TENANT_CACHE_TTL_MS > 0,
    poolOptions: {
      subPools: config.DB_SUBPOOLS,
      subPoolMax: config.DB_SUBPOOL_MAX,
      maxUses: config.DB_MAX_USES,
      maxLifetimeSeconds: config.DB_MAX_LIFETIME_SECONDS,
    },
    onPoolError: (error, source) => log.error(error, `database connection lost (${source}); a new one is opened when needed`),
  });
  return {
    ...platform,
    servers,
    close: async () => {
      await platform.close();
      await servers.stop();
    },
  };
}
