import { randomBytes } from "node:crypto";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { Logger } from "pino";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { secureServerBuild } from "./route-access.server";
import { JSON_BODY_LIMIT } from "../api/api-request.server";
import type { RequestAuth } from "../auth/current-user";
import type { AppServices, ConductorLoadContext } from "../load-context";
import { authentication } from "./authentication.server";
import { clientKey, trustedForwardedHeaders, type TrustProxy } from "../net/client-address.server";
import { globalRateLimit } from "./global-rate-limit.server";
import { httpMetrics, routeIdFor } from "../metrics/http-metrics.server";
import { healthz, readyz } from "./health.server";
import { INBOUND_EMAIL_PATH, inboundEndpoint } from "./inbound-endpoint.server";
import { originCheck } from "./origin-check.server";
import { remixRequestHandler } from "./remix-request-handler.server";
import { requestBodyLimit } from "./request-body-limit.server";
import { requestLogging } from "./request-logging.server";
import { canonicalRequestPath, isApiRequest, requestPathOf } from "./request-path.server";
import { missingTenantSchemaHandler } from "./missing-tenant-schema.server";
import { isDatabaseUnavailable } from "../../db/connection-errors";
import { sendDatabaseUnavailable } from "./database-unavailable.server";
import { tenantResolution } from "./tenant-resolution.server";

export type ExpressAppOptions = {
  platform: Platform;
  services: AppServices;
  logger: Logger;
  appDomain: string;
  /** Proxies in front of the app: none (false), a hop count, or their addresses (TRUST_PROXY). */
  trustProxy: TrustProxy;
  mode: "development" | "production";
  /** The Remix server build; `npm run dev` makes a new app for each rebuild. */
  build: ServerBuild;
  /** The client assets of `build` (`public/build`, or a side-by-side build's own: see remix.config.js). */
  assetsDir?: string;
  /** Time requests for /metrics (METRICS_PORT set); off, requests pay nothing for it. */
  metrics?: boolean;
};

export function createExpressApp({
  platform,
  services,
  logger,
  appDomain,
  trustProxy,
  mode,
  build,
  assetsDir = "public/build",
  metrics = false,
}: ExpressAppOptions) {
  const app = express();
  app.disable("x-powered-by");
  // req.ip is taken from X-Forwarded-For only through trusted hops, counted from the right.
  app.set("trust proxy", trustProxy);
  // Remix's adapter takes the request URL's port from X-Forwarded-Host whatever "trust proxy" says, and
  // Express reads the left-most entries; links in emails come from that URL, so keep only a trusted proxy's value.
  app.use(trustedForwardedHeaders());

  if (metrics) app.use(httpMetrics());
  app.use(requestLogging(logger, platform));
  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  });
  app.use(
    helmet({
      hsts: services.auth.secureCookies,
      // Not "no-referrer": with it, browsers send `Origin: null` on same-origin form posts, which the origin check must refuse.
      referrerPolicy: { policy: "same-origin" },
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          "script-src": ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
          "style-src": ["'self'", "'unsafe-inline'"],
          // the portal shows the workspace's logo from an https URL (validated at /settings/portal)
          "img-src": ["'self'", "data:", "https:"],
          "connect-src": mode === "development" ? ["'self'", "ws:"] : ["'self'"],
          "form-action": ["'self'"],
          "frame-ancestors": ["'none'"],
          "upgrade-insecure-requests": services.auth.secureCookies ? [] : null,
        },
      },
    }),
  );
  // Before anything reads the path or the body: one reading of the path for every middleware and
  // the router (ambiguous ones are a 400), and one body limit per request (413 past it).
  app.use(canonicalRequestPath());
  app.use(
    requestBodyLimit({
      pageBytes: services.requestLimits.maxBodyBytes,
      apiBytes: JSON_BODY_LIMIT,
      inboundBytes: services.inbound.maxBytes,
      inboundPath: INBOUND_EMAIL_PATH,
    }),
  );
  app.use(compression());

  app.get("/healthz", healthz);
  app.get("/readyz", readyz(platform.control));

  const assets = express.static(assetsDir, { immutable: true, maxAge: "1y" });
  app.use("/build", (req, res, next) => servedAsStaticFile(assets, req, res, next));
  // Only paths that name a file go to the disk: a stat() per page or data request costs real throughput.
  const publicFiles = express.static("public", { maxAge: "1h", index: false });
  app.use((req, res, next) => {
    if (/\/[^/]+\.[a-z0-9]+$/i.test(requestPathOf(res).pathname) && !isApiRequest(res)) servedAsStaticFile(publicFiles, req, res, next);
    else next();
  });

  app.use(globalRateLimit(services.rateLimits.global));
  app.use(tenantResolution({ directory: platform.directory, appDomain }));
  // A mail provider's hook, authenticated by the shared secret alone: no cookies, so no origin check or session.
  app.post(INBOUND_EMAIL_PATH, inboundEndpoint({ platform, settings: services.inbound }));
  app.use(originCheck());
  app.use(authentication({ router: platform.router, settings: services.auth }));

  const remix = remixRequestHandler({
    build: secureServerBuild(build),
    mode,
    getLoadContext: (req, res): ConductorLoadContext => {
      const tenant = res.locals.tenant as TenantRecord;
      return {
        tenant,
        db: platform.router.forTenant(tenant),
        auth: (res.locals.auth as RequestAuth | null | undefined) ?? null,
        requestId: String(req.id),
        log: req.log,
        clientIp: req.ip ?? "unknown",
        clientKey: clientKey(req.ip),
        cspNonce: res.locals.cspNonce as string,
        services,
      };
    },
  });
  if (metrics) {
    const routeId = routeIdFor(build);
    app.all("*", (req, res, next) => {
      res.locals.metricsRoute = routeId(req.method, new URL(req.originalUrl, "http://localhost"));
      remix(req, res, next);
    });
  } else {
    app.all("*", remix);
  }

  app.use(missingTenantSchemaHandler(platform));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    req.log?.error({ err: error }, "request failed");
    if (res.headersSent) return;
    if (isDatabaseUnavailable(error)) return sendDatabaseUnavailable(req, res);
    res.status(500).type("text/plain").send("Something went wrong. Please try again.");
  });
  return app;
}

/** A file that `serve` answers is labelled `static` in the request metrics; one it passes on is not. */
function servedAsStaticFile(serve: express.RequestHandler, req: Request, res: Response, next: NextFunction) {
  res.locals.metricsRoute = "static";
  serve(req, res, (error?: unknown) => {
    delete res.locals.metricsRoute;
    next(error);
  });
}
