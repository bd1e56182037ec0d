import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { collectDefaultMetrics } from "prom-client";
import { observeStatements } from "../../db/query-timing";
import type { Platform } from "../../tenancy/platform";
import { registerDatabaseGauges } from "./database-gauges.server";
import { poolLabels, processMetrics } from "./process-metrics.server";

export type MetricsSettings = { port: number; host: string; token: string | undefined };

export type MetricsServer = { port: number; stop(): Promise<void> };

/**
 * Statement metrics: every pool opened from now on reports its statements. Call before the platform
 * opens its pools (they are hooked when created).
 */
export function observeDatabaseStatements(): void {
  const { dbStatementDuration, dbStatementErrors } = processMetrics();
  observeStatements((source, durationMs, error) => {
    const labels = poolLabels(source);
    dbStatementDuration.observe(labels, durationMs / 1000);
    if (error)
      dbStatementErrors.inc({
        ...labels,
        sqlstate_class: typeof error.code === "string" && /^[0-9A-Z]{5}$/.test(error.code) ? error.code.slice(0, 2) : "none",
      });
  });
}

/**
 * `GET /metrics` in Prometheus text format on a listener of its own (METRICS_HOST:METRICS_PORT,
 * loopback by default), apart from the public one: scrapes pass no tenant resolution, rate limit or
 * request log, and a proxy in front of the app cannot expose them by accident. With a token, a
 * scrape must send `Authorization: Bearer <token>`.
 */
export async function startMetricsServer({
  settings,
  platform,
  logger,
}: {
  settings: MetricsSettings;
  platform: Pick<Platform, "router" | "control">;
  logger: Logger;
}): Promise<MetricsServer> {
  const { registry } = processMetrics();
  // Event-loop lag, heap, RSS, GC, handles: prom-client's standard names, so stock dashboards work.
  if (!registry.getSingleMetric("process_resident_memory_bytes")) collectDefaultMetrics({ register: registry });
  registerDatabaseGauges({ registry, platform, logger });
  const expected = settings.token ? digest(settings.token) : null;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") return plain(res, 404, "Not found");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return plain(res, 405, "Method not allowed");
    }
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
      return plain(res, 401, "Unauthorized");
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": registry.contentType, "Cache-Control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        logger.error({ err: error }, "metrics: collecting failed");
        plain(res, 500, "Collecting the metrics failed");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info(`metrics at http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${port}/metrics${expected ? " (bearer token)" : ""}`);
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        observeStatements(null);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Both sides hashed first, so the comparison takes as long whatever the length or content sent. */
function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? "");
  return timingSafeEqual(digest(match?.[1] ?? ""), expected);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  res.end(text);
}
