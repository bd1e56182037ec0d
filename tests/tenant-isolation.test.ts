import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Platform } from "../tenancy/platform";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

// Each tenant gets customers whose ids collide across tenants (identity starts at 1 in every
// schema) but whose names carry the tenant's marker.
const setup = openTestPlatform();
let tenants: TenantRecord[] = [];

beforeAll(async () => {
  tenants = await Promise.all([1, 2, 3].map(() => createTestTenant(setup)));
  for (const tenant of tenants) {
    const { db, t } = setup.router.forTenant(tenant);
    await db.insert(t.customers).values(Array.from({ length: 5 }, (_, i) => ({ name: `${tenant.slug} marker ${i}`, email: `c${i}@${tenant.slug}.test` })));
  }
  // Decoys: a table in `public` with the same name and a poison row, which unbound SQL would find.
  await setup.control.pool.query(`CREATE TABLE IF NOT EXISTS public.customers (id bigint, name text, email text)`);
  await setup.control.pool.query(`INSERT INTO public.customers VALUES (1, 'POISON', 'poison@public.test')`);
});

afterAll(async () => {
  await setup.control.pool.query(`DROP TABLE IF EXISTS public.customers`);
  await setup.close();
});

type Outcome = { tenant: TenantRecord; kind: "read" | "write" | "fail" | "abort"; names: string[] };

async function simulateRequest(platform: Platform, tenant: TenantRecord, kind: Outcome["kind"], tag: string): Promise<Outcome> {
  const handle = platform.router.forTenant(tenant);
  const { db, t } = handle;
  if (kind === "read") {
    const rows = await db.select({ id: t.customers.id, name: t.customers.name }).from(t.customers).where(eq(t.customers.id, 1));
    const all = await db.select({ name: t.customers.name }).from(t.customers);
    return { tenant, kind, names: [...rows, ...all].map((row) => row.name) };
  }
  if (kind === "write") {
    const names = await handle.transaction(async (tx) => {
      await tx.insert(t.customers).values({ name: `${tenant.slug} tagged ${tag}`, email: `${tag}@${tenant.slug}.test` });
      return (await tx.select({ name: t.customers.name }).from(t.customers)).map((row) => row.name);
    });
    return { tenant, kind, names };
  }
  // A request whose transaction fails midway: its write must vanish, the connection must be clean.
  await expect(
    handle.transaction(async (tx) => {
      await tx.insert(t.customers).values({ name: `${tenant.slug} doomed ${tag}`, email: `doomed-${tag}@${tenant.slug}.test` });
      if (kind === "abort") await tx.execute(sql`SELECT 1/0`);
      throw new Error("request failed midway");
    }),
  ).rejects.toThrow();
  return { tenant, kind, names: [] };
}

describe.each([1, 2])("isolation through the router with a pool of %i connection(s)", (poolSize) => {
  it("serves hundreds of interleaved requests, failing ones included, each only its own tenant's rows", async () => {
    const platform = openTestPlatform({ poolOptions: { subPools: 1, subPoolMax: poolSize } });
    try {
      const kinds: Outcome["kind"][] = ["read", "write", "read", "fail", "write", "abort"];
      const requests = Array.from({ length: 300 }, (_, i) => {
        const tenant = tenants[(i * 7 + (i >> 2)) % tenants.length]!;
        return simulateRequest(platform, tenant, kinds[i % kinds.length]!, `p${poolSize}-${i}`);
      });
      const outcomes = await Promise.all(requests);

      for (const outcome of outcomes) {
        for (const name of outcome.names) expect(name.startsWith(`${outcome.tenant.slug} `), `${outcome.tenant.slug} saw "${name}"`).toBe(true);
      }
      const writesPerTenant = new Map<string, number>();
      outcomes.filter((o) => o.kind === "write").forEach((o) => writesPerTenant.set(o.tenant.slug, (writesPerTenant.get(o.tenant.slug) ?? 0) + 1));
      for (const tenant of tenants) {
        const { db, t } = platform.router.forTenant(tenant);
        const rows = await db.select({ name: t.customers.name }).from(t.customers);
        const tagged = rows.filter((row) => row.name.includes(` tagged p${poolSize}-`));
        expect(tagged).toHaveLength(writesPerTenant.get(tenant.slug) ?? 0);
        expect(rows.every((row) => row.name.startsWith(`${tenant.slug} `))).toBe(true);
        expect(rows.some((row) => row.name.includes("doomed"))).toBe(false);
      }

      // No tenant state was left on any pooled connection.
      const pool = platform.router.poolFor(tenants[0]!);
      const clients = await Promise.all(Array.from({ length: poolSize }, () => pool.connect()));
      for (const client of clients) {
        const { rows } = await client.query("SELECT current_setting('search_path') AS path");
        expect(rows[0].path).toBe("extensions");
        client.release();
      }
    } finally {
      await platform.close();
    }
  });
});

describe("router handles", () => {
  it("reuses the handle of a record object, and never serves a stale record, schema or an unchecked name", () => {
    const record = tenants[0]!;
    const handle = setup.router.forTenant(record);
    expect(setup.router.forTenant(record)).toBe(handle);
    expect(Object.isFrozen(handle)).toBe(true);

    // A refreshed record (as the tenant directory hands out after a status change) is a new object.
    const refreshed: TenantRecord = { ...record, status: "suspended" };
    expect(setup.router.forTenant(refreshed).tenant).toBe(refreshed);
    expect(setup.router.forTenant(record).tenant).toBe(record);

    // A record changed in place in what routes it gets a handle built for its new values.
    const mutable: TenantRecord = { ...record };
    expect(setup.router.forTenant(mutable).t).toBe(handle.t);
    mutable.schemaName = tenants[1]!.schemaName;
    expect(setup.router.forTenant(mutable).t).toBe(setup.router.forTenant(tenants[1]!).t);
    mutable.schemaName = "public";
    expect(() => setup.router.forTenant(mutable)).toThrow(/unsafe tenant schema name/);
  });
});

describe("SQL that is not bound to a tenant", () => {
  it("fails with 42P01 instead of reading another schema", async () => {
    const handle = setup.router.forTenant(tenants[0]!);
    await expect(handle.db.execute(sql.raw("SELECT name FROM customers"))).rejects.toMatchObject({ cause: { code: "42P01" } });
  });

  it("fails when a registry row points at a schema that is missing or differs in case, never reading public", async () => {
    const ghost: TenantRecord = { ...tenants[0]!, id: "ghost", schemaName: "t_doesnotexist" };
    const { db, t } = setup.router.forTenant(ghost);
    await expect(db.select().from(t.customers)).rejects.toMatchObject({ cause: { code: "42P01" } });

    expect(() => setup.router.forTenant({ ...tenants[0]!, schemaName: tenants[0]!.schemaName.toUpperCase() })).toThrow(/unsafe tenant schema name/);
  });

  it("refuses schema names that are too long, quoted, dotted or not ours", () => {
    for (const schemaName of [`t_${"a".repeat(62)}`, 't_a"b', "t_a.b", "t_a-b", "public", "pg_temp", "control", ""]) {
      expect(() => setup.router.forTenant({ ...tenants[0]!, schemaName }), schemaName).toThrow(/unsafe tenant schema name/);
    }
  });
});
