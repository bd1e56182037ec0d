import { pino, type Logger } from "pino";
import { openDatabaseServers, type DatabaseServers, type ShardConfig } from "../db/database-servers";
import { logQueriesAs } from "../db/query-timing";
import { ConnectionRouter, type PoolOptions } from "./connection-router";
import { openControlPlane, type ControlPlane } from "./control-plane";
import { TenantChangeListener } from "./tenant-change-listener";
import { TenantDirectory } from "./tenant-registry";

export type Platform = {
  control: ControlPlane;
  router: ConnectionRouter;
  directory: TenantDirectory;
  /** Evicts the directory's entries of a tenant when its registry row changes; null without a cache to evict. */
  tenantChanges: TenantChangeListener | null;
  /** Runs `work` with its statements timed into `log` (a request's logger) rather than the platform's; they are timed at debug level only. */
  logQueriesAs<T>(log: Logger, work: () => T): T;
  close(): Promise<void>;
};

/**
 * The long-lived database objects of one process: control plane, tenant router, tenant directory.
 * `logger` hears what goes wrong on their connections and, at debug level, times every statement.
 */
export function createPlatform(
  shards: ShardConfig[],
  {
    poolOptions = {},
    tenantCacheTtlMs = 5000,
    logger = pino({ level: "silent" }),
    onPoolError = () => {},
    listenForTenantChanges = tenantCacheTtlMs > 0,
  }: {
    poolOptions?: Partial<PoolOptions>;
    tenantCacheTtlMs?: number;
    logger?: Logger;
    onPoolError?: (error: Error, source: string) => void;
    listenForTenantChanges?: boolean;
  } = {},
): Platform {
  const main = shards.find((shard) => shard.id === "main");
  if (!main) throw new Error('the "main" shard (DATABASE_URL) is required: it holds the control plane');
  const control = openControlPlane(main.url, logger, (error) => onPoolError(error, "control"));
  const router = new ConnectionRouter(shards, poolOptions, logger, onPoolError);
  const directory = new TenantDirectory(control.db, tenantCacheTtlMs);
  const tenantChanges = listenForTenantChanges
    ? new TenantChangeListener({
        url: main.url,
        log: logger,
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
    logQueriesAs,
    close: async () => {
      await Promise.all([tenantChanges?.stop(), router.close(), control.close().catch(() => {})]);
    },
  };
}

export type OpenedPlatform = Platform & { servers: DatabaseServers };

/** The settings openPlatform reads; the app's configuration (app/config.server.ts) supplies them. */
export type PlatformSettings = {
  DATABASE_URL?: string;
  SHARD_URLS: ShardConfig[];
  DATA_DIR: string;
  EMBEDDED_PG_PORT: number;
  TENANT_CACHE_TTL_MS: number;
  DB_SUBPOOLS: number;
  DB_SUBPOOL_MAX: number;
  DB_MAX_USES: number;
  DB_MAX_LIFETIME_SECONDS: number;
};

/** Opens the database servers named by the configuration and the platform over them. */
export async function openPlatform(
  config: PlatformSettings,
  logger: Logger,
  { listenForTenantChanges = true }: { listenForTenantChanges?: boolean } = {},
): Promise<OpenedPlatform> {
  const servers = await openDatabaseServers(
    { databaseUrl: config.DATABASE_URL, extraShards: config.SHARD_URLS, dataDir: config.DATA_DIR, embeddedPort: config.EMBEDDED_PG_PORT },
    (message) => logger.debug(message),
  );
  const platform = createPlatform(servers.shards, {
    logger,
    tenantCacheTtlMs: config.TENANT_CACHE_TTL_MS,
    listenForTenantChanges: listenForTenantChanges && config.TENANT_CACHE_TTL_MS > 0,
    poolOptions: {
      subPools: config.DB_SUBPOOLS,
      subPoolMax: config.DB_SUBPOOL_MAX,
      maxUses: config.DB_MAX_USES,
      maxLifetimeSeconds: config.DB_MAX_LIFETIME_SECONDS,
    },
    onPoolError: (error, source) => logger.error({ err: error }, `database connection lost (${source}); a new one is opened when needed`),
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
