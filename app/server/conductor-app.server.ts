import type { ServerBuild } from "@remix-run/node";
import type { Logger } from "pino";
import type { Platform } from "../../tenancy/platform";
import type { AppConfig } from "../config.server";
import type { TrustProxy } from "../net/client-address.server";
import { createExpressApp } from "../http/create-express-app.server";
import { createAppServices } from "../services.server";

type ConductorAppOptions = {
  config: AppConfig;
  platform: Platform;
  logger: Logger;
  /** The server build this module is part of: the Express side and the routes share its modules. */
  build: ServerBuild;
  mode: "development" | "production";
  /** Tests only: another TRUST_PROXY or APP_DOMAIN than the configuration's. */
  trustProxy?: TrustProxy;
  appDomain?: string;
  /** Where the build's client assets are, when not `public/build` (a side-by-side build's own). */
  assetsDir?: string;
};

/** The Express app of one server build, over the process's platform. */
export function createConductorApp({
  config,
  platform,
  logger,
  build,
  mode,
  trustProxy = config.TRUST_PROXY,
  appDomain = config.APP_DOMAIN,
  assetsDir,
}: ConductorAppOptions) {
  return createExpressApp({
    platform,
    services: createAppServices(config, platform),
    logger,
    appDomain,
    trustProxy,
    mode,
    build,
    assetsDir,
    metrics: config.METRICS_PORT !== undefined,
  });
}
