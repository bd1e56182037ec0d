import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Response } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import type { Platform } from "../../tenancy/platform";

const INCOMING_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * One structured line per request (id, tenant, method, path, status, duration) and `req.log`, the
 * request's child logger. At debug level the statements the request runs are logged through it too,
 * so each timing line carries the request's id.
 */
export function requestLogging(logger: Logger, platform: Pick<Platform, "logQueriesAs">) {
  const logRequest = httpLogging(logger);
  if (!logger.isLevelEnabled("debug")) return logRequest;
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => logRequest(req, res, () => platform.logQueriesAs(req.log, next));
}

function httpLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers["x-request-id"];
      const id = typeof incoming === "string" && INCOMING_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
    customSuccessMessage: (req, res) => `${req.method} ${req.url?.split("?")[0]} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${req.url?.split("?")[0]} ${res.statusCode}`,
    // Called when the request starts and again when it ends; the tenant is known only by then.
    customProps: (_req, res) => {
      const tenant = (res as unknown as Response).locals?.tenantSlug as string | undefined;
      return tenant ? { tenant } : {};
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split("?")[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customAttributeKeys: { responseTime: "durationMs" },
    autoLogging: { ignore: (req) => req.url === "/healthz" },
  });
}
