import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateControlPlane, prepareShardDatabase } from "../db/prepare-database";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { createPlatform, type Platform } from "../tenancy/platform";
import { createTenant } from "../tenancy/provisioning";
import { testDatabaseUrl } from "./support/test-platform";

// `npm run tenant -- doctor` on a database of its own: it lists (and --fix drops) schemas, so no
// other test file's tenants may be in sight.
const run = promisify(execFile);
const admin = new pg.Client({ connectionString: testDatabaseUrl() });
const database = `conductor_doctor_${randomBytes(4).toString("hex")}`;
let url: string;
let platform: Platform;

async function doctor(...args: string[]) {
  try {
    const { stdout, stderr } = await run(path.resolve("node_modules/.bin/tsx"), ["scripts/tenant.ts", "doctor", ...args], {
      env: { ...process.env, DATABASE_URL: url, SHARD_URLS: "", DB_SUBPOOLS: "2", DB_SUBPOOL_MAX: "3", WORKER_CONCURRENCY: "4" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const schemaExists = async (schema: string) => (await platform.control.pool.query("select 1 from pg_namespace where nspname = $1", [schema])).rowCount === 1;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const own = new URL(testDatabaseUrl());
  own.pathname = `/${database}`;
  url = own.href;
  await prepareShardDatabase(url);
  await migrateControlPlane(url);
  platform = createPlatform([{ id: "main", url }], { tenantCacheTtlMs: 0 });
  for (const slug of ["healthy", "stale", "lost"]) {
    await createTenant(
      platform.control,
      platform.router,
      { slug, name: slug, adminEmail: `boss@${slug}.test`, adminPassword: "a long password" },
      { firstAdmin: prepareFirstAdmin },
    );
  }
}, 120_000);
afterAll(async () => {
  await platform.close();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

describe("npm run tenant -- doctor", () => {
  it("finds nothing wrong with a healthy database, prints the connection budget, and exits 0", async () => {
    const clean = await doctor();
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain("Orphan schemas (no registry row):\n  none");
    // 2 sub-pools × 3 + control 5 + listener 1 + inline worker 4 + 2 = 18 on the main shard.
    expect(clean.stdout).toMatch(
      /shard main: up to 18 \(tenant sub-pools 2 × 3 \+ control plane 5 \+ tenant-change listener 1 \+ job queue 4 \+ 2\); max_connections \d+/,
    );
    const json = JSON.parse((await doctor("--json")).stdout) as { budget: { shards: Array<{ maxConnections: number; processesThatFit: number }> } };
    const [main] = json.budget.shards;
    expect(main!.maxConnections).toBe(Number((await admin.query<{ max_connections: string }>("show max_connections")).rows[0]!.max_connections));
    expect(main!.processesThatFit).toBeGreaterThan(0);
  });

  it("finds a planted orphan schema, a registry row without its schema and a tenant behind on migrations; exits 1", async () => {
    await platform.control.pool.query("create schema t_orphan_from_a_crash");
    const { rows } = await platform.control.pool.query<{ schema_name: string }>("select schema_name from control.tenants where slug = 'lost'");
    const lostSchema = rows[0]!.schema_name;
    await platform.control.pool.query(`drop schema "${lostSchema}" cascade`);
    await platform.control.pool.query("update control.tenants set schema_version = 3 where slug = 'stale'");

    const found = await doctor();
    expect(found.code).toBe(1);
    expect(found.stdout).toContain("t_orphan_from_a_crash on shard main");
    expect(found.stdout).toContain(`lost: ${lostSchema} is not on shard main`);
    expect(found.stdout).toMatch(/stale: version 3 of \d+ \(npm run tenant -- migrate --all\)/);
    expect(found.stdout).toContain("npm run tenant -- doctor --fix");
    const report = JSON.parse((await doctor("--json")).stdout) as { orphanSchemas: unknown[]; missingSchemas: unknown[]; behind: unknown[] };
    expect(report.orphanSchemas).toEqual([{ shard: "main", schema: "t_orphan_from_a_crash" }]);
    expect(report.missingSchemas).toHaveLength(1);
    expect(report.behind).toEqual([expect.objectContaining({ slug: "stale", version: 3 })]);
  });

  it("drops orphans only when confirmed (--fix without a terminal or --yes drops nothing), and never a tenant's schema", async () => {
    const refused = await doctor("--fix");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--fix --yes");
    expect(await schemaExists("t_orphan_from_a_crash")).toBe(true);

    const fixed = await doctor("--fix", "--yes");
    expect(fixed.stdout).toContain("Dropped 1 orphan schema(s).");
    expect(fixed.code).toBe(1); // the missing schema and the stale tenant remain for an operator
    expect(await schemaExists("t_orphan_from_a_crash")).toBe(false);
    const { rows } = await platform.control.pool.query<{ schema_name: string }>("select schema_name from control.tenants where slug in ('healthy', 'stale')");
    for (const row of rows) expect(await schemaExists(row.schema_name)).toBe(true);
  });

  it("has help", async () => {
    const help = await run(path.resolve("node_modules/.bin/tsx"), ["scripts/tenant.ts", "doctor", "--help"], { env: { ...process.env } });
    expect(help.stdout).toContain("--fix");
    expect(help.stdout.replace(/\s+/g, " ")).toContain("Exits 1 when it finds a problem");
  });
});
