import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import type { Logger } from "pino";
import { createPool } from "../db/pg-connections";
import { drizzleOverPool } from "../db/pooled-drizzle";

export type ControlDatabase = NodePgDatabase<Record<string, never>>;
export type ControlPlane = { pool: pg.Pool; db: ControlDatabase; close(): Promise<void> };

/** A small pool on the main database for control-plane reads and writes (tenant registry, leases). */
/** Connections of a process's control-plane pool (tenant lookups, rate limits, provisioning). */
export const CONTROL_POOL_MAX = 5;

export function openControlPlane(url: string, log: Logger, onError: (error: Error) => void = () => {}, max = CONTROL_POOL_MAX): ControlPlane {
  const pool = createPool("control", { connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 }, { log, onLost: onError });
  return { pool, db: drizzleOverPool(pool), close: () => pool.end() };
}
