// EXPLAIN (ANALYZE, BUFFERS) of statements the server sent, with the parameters it sent them with.
import type pg from "pg";
import type { CapturedQuery } from "./server-messages";

export type ExplainedQuery = CapturedQuery & { plan: string[]; executionMs: number | null };

const TRANSACTION_CONTROL = /^\s*(begin|commit|rollback|savepoint|release|set)\b/i;

/**
 * Each statement runs inside a transaction that is rolled back, so a write (a session touch)
 * changes nothing; and twice, the first time unreported, so the plan shows a warm connection
 * (catalog caches filled) like the server's long-lived ones.
 */
export async function explainQueries(pool: pg.Pool, queries: CapturedQuery[]): Promise<ExplainedQuery[]> {
  const client = await pool.connect();
  try {
    await client.query("RESET ALL"); // the server's settings, not a bulk load's
    const explained: ExplainedQuery[] = [];
    for (const query of queries) {
      if (TRANSACTION_CONTROL.test(query.sql)) continue;
      await client.query("BEGIN");
      try {
        await client.query(`EXPLAIN (ANALYZE) ${query.sql}`, query.params);
        const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params);
        const plan = rows.map((row) => row["QUERY PLAN"]);
        const execution = plan.map((line) => /^Execution Time: ([\d.]+) ms/.exec(line.trim())?.[1]).find(Boolean);
        explained.push({ ...query, plan, executionMs: execution ? Number(execution) : null });
      } catch (error) {
        explained.push({ ...query, plan: [`(could not explain: ${error instanceof Error ? error.message : String(error)})`], executionMs: null });
      } finally {
        await client.query("ROLLBACK");
      }
    }
    return explained;
  } finally {
    client.release();
  }
}
