import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import type { Logger } from "pino";

/** The logger of the work in progress (a request's child logger, which carries its id), for the statements it runs. */
const scopedLog = new AsyncLocalStorage<Logger>();

/** Runs `work` so that the statements it makes are logged through `log` instead of the pool's logger. */
export function logQueriesAs<T>(log: Logger, work: () => T): T {
  return scopedLog.run(log, work);
}

const STATEMENT_CHARS = 120;
/** Tenant tables are schema-qualified in the SQL text (see db/schema-name.ts), which names the tenant. */
const TENANT_SCHEMA = /"(t_[a-z0-9_]{1,61})"\./;

type QueryArgs = unknown[];
type Callback = (error: unknown, result: unknown) => void;
type QueryConfig = { text?: unknown; name?: unknown; submit?: unknown; callback?: unknown };
type QueryResult = { rowCount?: number | null; rows?: unknown[] };

/** Hears every timed statement: the pool or client that ran it, how long it took, and its error (SQLSTATE) if it failed. */
export type StatementObserver = (source: string, durationMs: number, error: { code?: string } | null) => void;

let statementObserver: StatementObserver | null = null;

/**
 * Statement metrics (app/metrics): from now on every pool or client opened is timed and reported to
 * `observer`, whatever the log level. Pools opened earlier stay as they were, so call it before the platform opens.
 */
export function observeStatements(observer: StatementObserver | null): void {
  statementObserver = observer;
}

/**
 * Whether statements on connections opened with `log` are timed. Asked once per pool or client:
 * at info and above, without a statement observer, nothing is installed, so production runs pg's own query untouched.
 */
export function timesQueries(log: Logger): boolean {
  return statementObserver !== null || log.isLevelEnabled("debug");
}

/**
 * pg-pool hands a waiting caller its connection from inside the call that released it, i.e. in
 * another request's async context; binding the callback keeps each statement in its caller's.
 */
export function keepCallerContext(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback?: (...args: unknown[]) => void) => unknown;
  (pool as { connect: unknown }).connect = (callback?: (...args: unknown[]) => void) => (callback ? connect(AsyncResource.bind(callback)) : connect());
}

/** Logs each statement `client` runs at debug: what it was, how long it took, the tenant it touched, the rows. */
export function timeQueries(client: pg.Client, source: string, log: Logger): void {
  const query = client.query as (...args: QueryArgs) => unknown;
  (client as { query: unknown }).query = function timedQuery(this: pg.Client, ...args: QueryArgs): unknown {
    const config = args[0];
    // Cursors and streams report through their own events; they pass untimed.
    if (typeof (config as QueryConfig | undefined)?.submit === "function") return query.apply(this, args);
    const statementLog = scopedLog.getStore() ?? log;
    const started = performance.now();
    const finished: Callback = (error, result) => {
      const durationMs = performance.now() - started;
      statementObserver?.(source, durationMs, error ? (error as { code?: string }) : null);
      if (statementLog.isLevelEnabled("debug")) logStatement(statementLog, source, config, durationMs, error, result);
    };
    const callbackAt = typeof args[1] === "function" ? 1 : typeof args[2] === "function" ? 2 : -1;
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as Callback;
      args[callbackAt] = (error: unknown, result: unknown) => {
        finished(error, result);
        callback(error, result);
      };
      return query.apply(this, args);
    }
    const pending = query.apply(this, args);
    if (pending instanceof Promise)
      pending.then(
        (result: unknown) => finished(null, result),
        (error: unknown) => finished(error, undefined),
      );
    return pending;
  };
}

function logStatement(log: Logger, source: string, config: unknown, durationMs: number, error: unknown, result: unknown): void {
  const text = typeof config === "string" ? config : String((config as QueryConfig | undefined)?.text ?? "");
  const name = (config as QueryConfig | undefined)?.name;
  const tenant = TENANT_SCHEMA.exec(text)?.[1];
  const { rowCount, rows } = (result ?? {}) as QueryResult;
  log.debug(
    {
      pool: source,
      statement:
        typeof name === "string" && name
          ? name
          : text
              .slice(0, STATEMENT_CHARS * 4)
              .replace(/\s+/g, " ")
              .trim()
              .slice(0, STATEMENT_CHARS),
      durationMs: Math.round(durationMs * 100) / 100,
      ...(tenant ? { tenant } : {}),
      ...(error ? { failed: (error as { code?: string }).code ?? String((error as Error).message ?? error) } : { rows: rowCount ?? rows?.length ?? 0 }),
    },
    "query",
  );
}
