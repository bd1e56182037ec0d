import pg from "pg";
import type { Logger } from "pino";
import { keepCallerContext, timeQueries, timesQueries } from "./query-timing";

/** Told about each connection the server ended or the network lost; `source` names the pool or client. */
export type ConnectionLossHandler = (error: Error, source: string) => void;

/**
 * `log` times every statement at debug level (see query-timing.ts) and hears about an `onLost`
 * that failed; `timeQueries: false` leaves a pool's statements out of the log (a job queue's polling).
 */
export type ConnectionLogging = { log: Logger; onLost?: ConnectionLossHandler; timeQueries?: boolean };

const ignore: ConnectionLossHandler = () => {};

/**
 * Every PostgreSQL pool and client of the process is opened here, so none can lack the listener
 * that keeps a lost connection from ending the process.
 *
 * When the server ends a session (pg_terminate_backend, a failover, idle_session_timeout, a
 * restart) node-postgres emits 'error' on the Client, and an 'error' event nobody listens to is
 * an uncaught exception. pg-pool listens only while a client sits idle in the pool: a client that
 * is checked out (inside a transaction, between two statements, running a query) has no listener.
 * So each client gets one from its first moment. Nothing else needs doing: the query in flight
 * fails with the error itself, and the pool drops the broken client when it is released.
 */
export function createPool(name: string, config: pg.PoolConfig, logging?: ConnectionLogging): pg.Pool {
  const pool = new pg.Pool({ ...config, application_name: `conductor:${name}` });
  const timed = timingLog(logging);
  if (timed) keepCallerContext(pool);
  pool.on("connect", (client) => {
    reportLoss(client, name, logging);
    if (timed) timeQueries(client, name, timed);
  });
  // pg-pool re-emits an idle client's error here after dropping it; the client's own listener has reported it.
  pool.on("error", () => {});
  return pool;
}

/** A single connection (bootstrap, LISTEN): the same listener as pooled clients. Connect and end it yourself. */
export function createClient(name: string, config: pg.ClientConfig, logging?: ConnectionLogging): pg.Client {
  const client = new pg.Client({ ...config, application_name: `conductor:${name}` });
  reportLoss(client, name, logging);
  const timed = timingLog(logging);
  if (timed) timeQueries(client, name, timed);
  return client;
}

/** The logger that times statements, or null; asked once per pool or client. */
function timingLog(logging: ConnectionLogging | undefined): Logger | null {
  return logging && logging.timeQueries !== false && timesQueries(logging.log) ? logging.log : null;
}

function reportLoss(client: pg.Client, source: string, logging: ConnectionLogging | undefined): void {
  const onLost = logging?.onLost ?? ignore;
  let reported = false;
  client.on("error", (error: Error) => {
    // One loss emits twice (the server's FATAL message, then the socket's end): report it once.
    if (reported) return;
    reported = true;
    // This runs inside a socket event: a handler that throws would be the uncaught exception we are preventing.
    try {
      onLost(error, source);
    } catch (failure) {
      logging?.log.error({ err: failure, source }, "reporting a lost database connection failed");
    }
  });
}
