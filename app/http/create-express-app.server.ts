import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import helmet from "helmet";
import type { Logger } from "pino";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import type { ConductorLoadContext } from "../load-context";
import { healthz, readyz } from "./health.server";
import { requestLogging } from "./request-logging.server";
import { tenantResolution } from "./tenant-resolution.server";

export type ExpressAppOptions = {
  platform: Platform;
  logger: Logger;
  appDomain: string;
  trustProxy: boolean;
  mode: "development" | "production" | "test";
  /** Called per request so `npm run dev` can swap in a rebuilt app. */
  getBuild: () => Promise<ServerBuild>;
  publicDir?: string;
};

export function createExpressApp({ platform, logger, appDomain, trustProxy, mode, getBuild, publicDir = "public" }: ExpressAppOptions) {
  const app = express();
  app.disable("x-powered-by");
  // Host resolution reads headers itself (tenancy/host.ts); Express's own trust proxy stays off.
  app.set("trust proxy", trustProxy);

  app.use(requestLogging(logger));
  app.use(helmet({ contentSecurityPolicy: false, hsts: mode === "production" }));
  app.use(compression());

  app.get("/healthz", healthz);
  app.get("/readyz", readyz(platform.control));

  app.use("/build", express.static(`${publicDir}/build`, { immutable: true, maxAge: "1y" }));
  app.use(express.static(publicDir, { maxAge: "1h", index: false }));

  app.use(tenantResolution({ directory: platform.directory, appDomain, trustProxy }));

  const remix = createRequestHandler({
    build: getBuild,
    mode,
    getLoadContext: (req, res): ConductorLoadContext => {
      const tenant = res.locals.tenant as TenantRecord;
      return { tenant, db: platform.router.forTenant(tenant), requestId: String(req.id) };
    },
  });
  app.all("*", remix);
  return app;
}
