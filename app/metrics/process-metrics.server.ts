import { Counter, Histogram, Registry } from "prom-client";

/**
 * The metrics of one process. Labels are bounded by the code, never by the data: route ids (not
 * paths), status classes, shards, pools and job tasks; no tenant slug (per-tenant figures go to the logs).
 */
export type ProcessMetrics = {
  registry: Registry;
  httpRequestDuration: Histogram<"method" | "route" | "status_class">;
  dbStatementDuration: Histogram<"shard" | "pool">;
  dbStatementErrors: Counter<"shard" | "pool" | "sqlstate_class">;
};

function createProcessMetrics(): ProcessMetrics {
  const registry = new Registry();
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "conductor_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response, by Remix route id (or what answered before Remix), method and status class.",
      labelNames: ["method", "route", "status_class"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dbStatementDuration: new Histogram({
      name: "conductor_db_statement_duration_seconds",
      help: "Duration of SQL statements by shard and pool (tenant sub-pools together as pool=tenant).",
      labelNames: ["shard", "pool"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dbStatementErrors: new Counter({
      name: "conductor_db_statement_errors_total",
      help: "SQL statements that failed, by shard, pool and SQLSTATE class (08 connection, 23 constraint, 40 serialization or deadlock, 57 shutdown or cancel, none: no SQLSTATE).",
      labelNames: ["shard", "pool", "sqlstate_class"],
      registers: [registry],
    }),
  };
}

const GLOBAL_KEY = Symbol.for("conductor.processMetrics");

/**
 * The process's metrics. Kept on globalThis because `npm run dev` loads a new copy of the app with each
 * rebuild while the metrics listener stays the first copy's: every copy must record into one registry.
 */
export function processMetrics(): ProcessMetrics {
  const holder = globalThis as { [GLOBAL_KEY]?: ProcessMetrics };
  return (holder[GLOBAL_KEY] ??= createProcessMetrics());
}

/** Pool names (db/pg-connections.ts) → labels: a tenant sub-pool is `<shard>:<index>`; the control plane and its listener live on `main`. */
export function poolLabels(source: string): { shard: string; pool: string } {
  const subPool = /^(.+):\d+$/.exec(source);
  if (subPool) return { shard: subPool[1]!, pool: "tenant" };
  return { shard: "main", pool: source };
}
