import pg from "pg";

/** Told about each connection the server ended or the network lost; `source` names the pool or client. */
export type ConnectionLossHandler = (error: Error, source: string) => void;

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
export function createPool(name: string, config: pg.PoolConfig, onLost: ConnectionLossHandler = ignore): pg.Pool {
  const pool = new pg.Pool({ ...config, application_name: `conductor:${name}` });
  pool.on("connect", (client) => reportLoss(client, name, onLost));
  // pg-pool re-emits an idle client's error here after dropping it; the client's own listener has reported it.
  pool.on("error", () => {});
  return pool;
}

/** A single connection (bootstrap, LISTEN): the same listener as pooled clients. Connect and end it yourself. */
export function createClient(name: string, config: pg.ClientConfig, onLost: ConnectionLossHandler = ignore): pg.Client {
  const client = new pg.Client({ ...config, application_name: `conductor:${name}` });
  reportLoss(client, name, onLost);
  return client;
}

function reportLoss(client: pg.Client, source: string, onLost: ConnectionLossHandler): void {
  let reported = false;
  client.on("error", (error: Error) => {
    // One loss emits twice (the server's FATAL message, then the socket's end): report it once.
    if (reported) return;
    reported = true;
    // This runs inside a socket event: a handler that throws would be the uncaught exception we are preventing.
    try {
      onLost(error, source);
    } catch (failure) {
      console.error("reporting a lost database connection failed", failure);
    }
  });
}
