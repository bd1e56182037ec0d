/** Seconds a client is told to wait (Retry-After) when the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket-level failures: the server is down, unreachable, or cut the connection. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * SQLSTATEs that end or refuse the session rather than fail the statement: admin_shutdown
 * (pg_terminate_backend, a fast shutdown), crash_shutdown, cannot_connect_now (starting or
 * stopping), idle_session_timeout, idle_in_transaction_session_timeout, too_many_connections.
 * Class 08 (connection_exception) is matched as a class.
 */
const SESSION_ENDED_CODES = new Set(["57P01", "57P02", "57P03", "57P05", "25P03", "53300"]);

/** node-postgres and pg-pool report a lost or impossible connection with these messages and no code. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Cannot use a pool after calling end on the pool)/i;

/**
 * True when an error means the database connection is gone or cannot be made (a restart, a
 * failover, a killed backend, a cut network), not that the query was wrong. The request that met
 * it answers 503 with Retry-After; the next one gets a fresh connection. drizzle wraps the
 * driver's error in `cause`, and Node reports a refused dual-stack connect as an AggregateError.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const pending: Array<{ error: unknown; depth: number }> = [{ error, depth: 0 }];
  while (pending.length > 0) {
    const { error: current, depth } = pending.pop()!;
    if (typeof current !== "object" || current === null || depth > 5) continue;
    const { code, message, cause, errors } = current as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === "string" && (NETWORK_CODES.has(code) || SESSION_ENDED_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof message === "string" && DRIVER_MESSAGES.test(message)) return true;
    if (cause !== undefined) pending.push({ error: cause, depth: depth + 1 });
    if (Array.isArray(errors)) for (const inner of errors) pending.push({ error: inner, depth: depth + 1 });
  }
  return false;
}
