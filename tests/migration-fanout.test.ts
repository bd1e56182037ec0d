import { inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenants as tenantsTable } from "../db/control-schema";
import { lintTenantMigration } from "../tenancy/migration-lint";
import { latestTenantVersion, loadTenantMigrations, type TenantMigration } from "../tenancy/tenant-migrations";
import { MigrationLeaseHeldError, migrateAllTenants, type FanOutProgress } from "../tenancy/tenant-migrator";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createTenant } from "../tenancy/provisioning";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { createTestTenant, openTestPlatform, uniqueSlug } from "./support/test-platform";

const platform = openTestPlatform();
const tenants: TenantRecord[] = [];
const current = latestTenantVersion();
const next = current + 1;
const withWidgets: TenantMigration[] = [
  ...loadTenantMigrations(),
  {
    version: next,
    tag: "9000_widgets",
    statements: ["CREATE TABLE widgets (id bigint PRIMARY KEY, label text NOT NULL)", "ALTER TABLE tickets ADD COLUMN widget_id bigint"],
  },
];
const poolFor = (tenant: TenantRecord) => platform.router.poolFor(tenant);
const onlyOurs = () => tenants.map((t) => t.slug);

beforeAll(async () => {
  for (let i = 0; i < 50; i += 1) tenants.push(await createTestTenant(platform));
}, 120_000);

afterAll(() => platform.close());

async function versions() {
  const rows = await platform.control.db
    .select({ slug: tenantsTable.slug, version: tenantsTable.schemaVersion })
    .from(tenantsTable)
    .where(inArray(tenantsTable.slug, onlyOurs()));
  return new Map(rows.map((row) => [row.slug, row.version]));
}

async function localVersion(tenant: TenantRecord) {
  const { rows } = await platform.control.pool.query(`SELECT version FROM "${tenant.schemaName}"._schema_version`);
  return rows[0].version as number;
}

describe("migration fan-out", () => {
  it("migrates 50 tenants, carries on past one that fails, reports it, and a re-run after the fix completes it", async () => {
    const broken = tenants[17]!;
    // The broken tenant already has a conflicting table, so the new migration fails there.
    await platform.control.pool.query(`CREATE TABLE "${broken.schemaName}".widgets (something text)`);

    const progress: FanOutProgress[] = [];
    const first = await migrateAllTenants(platform.control.db, poolFor, {
      slugs: onlyOurs(),
      migrations: withWidgets,
      concurrency: 4,
      onProgress: (p) => progress.push(p),
    });
    expect(first).toMatchObject({ target: next, total: 50, migrated: 49 });
    expect(first.failures).toEqual([{ slug: broken.slug, error: expect.stringContaining('relation "widgets" already exists') }]);
    expect(progress.at(-1)).toMatchObject({ done: 50, total: 50, failed: 1 });
    expect(progress.map((p) => p.done)).toEqual([...Array(51).keys()]);

    const after = await versions();
    expect([...after.values()].filter((v) => v === next)).toHaveLength(49);
    expect(after.get(broken.slug)).toBe(current);
    // The failed tenant's transaction rolled back whole: no half-applied column.
    expect(await localVersion(broken)).toBe(current);
    const { rows } = await platform.control.pool.query(
      `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'tickets' AND column_name = 'widget_id'`,
      [broken.schemaName],
    );
    expect(rows).toHaveLength(0);
    expect(await localVersion(tenants[0]!)).toBe(next);

    await platform.control.pool.query(`DROP TABLE "${broken.schemaName}".widgets`);
    const second = await migrateAllTenants(platform.control.db, poolFor, { slugs: onlyOurs(), migrations: withWidgets });
    expect(second).toMatchObject({ total: 1, migrated: 1, failures: [] });
    expect((await versions()).get(broken.slug)).toBe(next);
    expect(await localVersion(broken)).toBe(next);

    const third = await migrateAllTenants(platform.control.db, poolFor, { slugs: onlyOurs(), migrations: withWidgets });
    expect(third.total).toBe(0);

    const attempts = await platform.control.pool.query(`SELECT count(*)::int AS n FROM control.tenant_migrations WHERE tenant_id = $1 AND error IS NOT NULL`, [
      broken.id,
    ]);
    expect(attempts.rows[0].n).toBe(1);
  });

  it("refuses a second concurrent run, and takes over a lease whose holder stopped heart-beating", async () => {
    await platform.control.db.execute(sql`INSERT INTO control.migration_leases (name, owner, target_version) VALUES ('tenant-migrations', 'other-runner', 1)`);
    try {
      await expect(migrateAllTenants(platform.control.db, poolFor, { slugs: onlyOurs(), migrations: withWidgets })).rejects.toBeInstanceOf(
        MigrationLeaseHeldError,
      );
      await platform.control.db.execute(sql`UPDATE control.migration_leases SET heartbeat_at = now() - interval '5 minutes' WHERE owner = 'other-runner'`);
      await expect(migrateAllTenants(platform.control.db, poolFor, { slugs: onlyOurs(), migrations: withWidgets })).resolves.toMatchObject({ failures: [] });
    } finally {
      await platform.control.db.execute(sql`DELETE FROM control.migration_leases WHERE owner = 'other-runner'`);
    }
  });

  it("a schema migrated step by step matches one provisioned at the new version", async () => {
    const { tenant: fresh } = await createTenant(
      platform.control,
      platform.router,
      { slug: uniqueSlug(), name: "Fresh", adminEmail: "a@fresh.test" },
      { firstAdmin: prepareFirstAdmin, migrations: withWidgets },
    );
    const describeSchema = async (schema: string) =>
      (
        await platform.control.pool.query(
          `SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE n.nspname = $1 ORDER BY c.relname, a.attname`,
          [schema],
        )
      ).rows;
    const migrated = tenants[0]!;
    expect(await localVersion(migrated)).toBe(next);
    expect(await describeSchema(migrated.schemaName)).toEqual(await describeSchema(fresh.schemaName));
  });

  it("reports a committed migration whose control-plane bookkeeping fails as migrated, and a re-run repairs the mirror", async () => {
    const three = tenants.slice(0, 3);
    const withGadgets: TenantMigration[] = [
      ...withWidgets,
      { version: next + 1, tag: "9001_gadgets", statements: ["ALTER TABLE tickets ADD COLUMN gadget_id bigint"] },
    ];
    // The control plane accepts reads and the lease, but every insert (audit row) and update (mirrored version) fails.
    const control = platform.control.db;
    const flaky = new Proxy(control, {
      get: (target, property, receiver) =>
        property === "insert" || property === "update"
          ? () => {
              throw new Error("control plane hiccup");
            }
          : Reflect.get(target, property, receiver),
    });
    const first = await migrateAllTenants(flaky, poolFor, { slugs: three.map((t) => t.slug), migrations: withGadgets });
    expect(first).toMatchObject({ target: next + 1, total: 3, migrated: 3, failures: [] });
    expect(first.bookkeepingErrors).toHaveLength(6);
    expect(first.bookkeepingErrors.map((e) => e.error)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mirroring the schema version: control plane hiccup/),
        expect.stringMatching(/^recording the attempt: control plane hiccup/),
      ]),
    );
    for (const tenant of three) expect(await localVersion(tenant)).toBe(next + 1);
    expect((await versions()).get(three[0]!.slug)).toBe(next);

    // The stale mirror only plans them again; nothing is pending, the mirror is rewritten.
    const second = await migrateAllTenants(control, poolFor, { slugs: three.map((t) => t.slug), migrations: withGadgets });
    expect(second).toMatchObject({ total: 3, migrated: 3, failures: [], bookkeepingErrors: [] });
    const after = await versions();
    for (const tenant of three) expect(after.get(tenant.slug)).toBe(next + 1);
  });
});

describe("migration lint", () => {
  it("accepts the shipped tenant migrations", () => {
    expect(() => loadTenantMigrations()).not.toThrow();
  });

  it.each([
    ['ALTER TABLE "t" ADD CONSTRAINT fk FOREIGN KEY ("a") REFERENCES "public"."users"("id")', /public/],
    ["CREATE TABLE x AS SELECT * FROM tickets", /CREATE TABLE AS/],
    ["CREATE TABLE child () INHERITS (tickets)", /inheritance/],
    ["CREATE INDEX CONCURRENTLY i ON tickets (id)", /CONCURRENTLY/],
    ["SET search_path TO public", /search_path/],
    ["CREATE SCHEMA other", /creates a schema/],
    ['SELECT * FROM "control"."tenants"', /control plane/],
  ])("rejects %s", (statement, why) => {
    expect(lintTenantMigration(statement).join("; ")).toMatch(why);
  });
});
