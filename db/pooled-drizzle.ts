import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";

/**
 * drizzle over a pool, with transactions that always give their connection back.
 *
 * drizzle-orm (0.45) checks a client out for `transaction()` and sends BEGIN before the try/finally
 * that releases it: when the connection is lost at that moment (the server ending sessions, a
 * failover), the client is never released and the pool is one connection smaller for good. Under
 * repeated pg_terminate_backend the pools wedged with every connection held and none live. Here the
 * client is checked out and released by us, and drizzle runs the transaction on that one client.
 */
export function drizzleOverPool(pool: pg.Pool): NodePgDatabase {
  const db = drizzle(pool);
  const transaction: NodePgDatabase["transaction"] = async (work, config) => {
    const client = await pool.connect();
    try {
      return await drizzle(client).transaction(work, config);
    } finally {
      // pg-pool drops a client that is no longer queryable instead of keeping it idle.
      client.release();
    }
  };
  return Object.assign(db, { transaction });
}
