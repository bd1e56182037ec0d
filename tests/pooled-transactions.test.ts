import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createPool } from "../db/pg-connections";
import { drizzleOverPool } from "../db/pooled-drizzle";
import { testDatabaseUrl } from "./support/test-platform";

/** A pool of one connection whose next checkout is lost at once, as when the server ends the session right then. */
function poolLosingNextCheckout(): { pool: pg.Pool; loseNext: () => void } {
  const pool = createPool("pooled-transactions-test", { connectionString: testDatabaseUrl(), max: 1, connectionTimeoutMillis: 1500 });
  let lose = false;
  pool.on("acquire", (client) => {
    if (!lose) return;
    lose = false;
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  });
  return { pool, loseNext: () => (lose = true) };
}

describe("transactions over a pool give their connection back when the connection is lost at BEGIN", () => {
  const pools: pg.Pool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });

  it("keeps the pool usable after a transaction whose connection died before BEGIN", async () => {
    const { pool, loseNext } = poolLosingNextCheckout();
    pools.push(pool);
    const db = drizzleOverPool(pool);

    loseNext();
    await expect(db.transaction((tx) => tx.execute(sql`select 1`))).rejects.toThrow();

    // With the one connection leaked, this would wait for the pool and time out.
    const result = await db.transaction((tx) => tx.execute(sql`select 41 + 1 as answer`));
    expect(result.rows).toEqual([{ answer: 42 }]);
    expect(pool.totalCount).toBe(1);
  });

  it("works around drizzle's own transaction, which leaks the connection (when this fails, drizzle has fixed it)", async () => {
    // Not ended afterwards: pool.end() waits for the leaked client forever.
    const { pool, loseNext } = poolLosingNextCheckout();
    const db = drizzle(pool);

    loseNext();
    await expect(db.transaction((tx) => tx.execute(sql`select 1`))).rejects.toThrow();
    await expect(db.transaction((tx) => tx.execute(sql`select 1`))).rejects.toThrow(/timeout exceeded when trying to connect/);
  });

  it("rolls back and releases on an error inside the work, keeping the healthy connection", async () => {
    const { pool } = poolLosingNextCheckout();
    pools.push(pool);
    const db = drizzleOverPool(pool);
    await expect(db.transaction(() => Promise.reject(new Error("refused by the domain")))).rejects.toThrow("refused by the domain");
    const { rows } = await db.transaction((tx) => tx.execute(sql`select 1 as one`));
    expect(rows).toEqual([{ one: 1 }]);
    expect(pool.idleCount).toBe(1);
  });
});
