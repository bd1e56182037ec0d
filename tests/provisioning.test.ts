import { eq, inArray } from "drizzle-orm";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { tenants } from "../db/control-schema";
import { createTenant, dropTenant, ProvisioningError, setTenantStatus } from "../tenancy/provisioning";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { latestTenantVersion, loadTenantMigrations } from "../tenancy/tenant-migrations";
import { listTenants } from "../tenancy/tenant-registry";
import { createTestTenant, openTestPlatform, testDatabaseUrl, uniqueSlug } from "./support/test-platform";

const platform = openTestPlatform();
afterAll(() => platform.close());

async function schemaExists(name: string) {
  const { rows } = await platform.control.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [name]);
  return rows.length === 1;
}

async function tenantSchemas(): Promise<Set<string>> {
  const { rows } = await platform.control.pool.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'");
  return new Set(rows.map((row) => row.nspname));
}

/**
 * Fails if a tenant schema created since `before` belongs to no registered tenant. Other test
 * files provision tenants in the same database at the same time, so global counts are not
 * stable; their schemas get a registry row (a moment after the schema commits, hence the poll),
 * while a schema a failed createTenant left behind never would.
 */
async function expectNoOrphanSchemasSince(before: Set<string>) {
  await expect
    .poll(
      async () => {
        const fresh = [...(await tenantSchemas())].filter((name) => !before.has(name));
        if (fresh.length === 0) return [];
        const registered = await platform.control.db.select({ schemaName: tenants.schemaName }).from(tenants).where(inArray(tenants.schemaName, fresh));
        return fresh.filter((name) => !registered.some((row) => row.schemaName === name));
      },
      { timeout: 5000 },
    )
    .toEqual([]);
}

async function rowsWithSlug(...slugs: string[]) {
  return platform.control.db.select().from(tenants).where(inArray(tenants.slug, slugs));
}

describe("tenant provisioning", () => {
  it("creates an active tenant with its own schema at the latest version and its first admin", async () => {
    const tenant = await createTestTenant(platform, { name: "Acme Inc", adminEmail: "Boss@Acme.test", adminPassword: "correct horse battery" });
    expect(tenant.status).toBe("active");
    expect(tenant.schemaName).toMatch(/^t_[a-z2-7]{10}$/);
    expect(tenant.schemaVersion).toBe(latestTenantVersion());
    expect(await schemaExists(tenant.schemaName)).toBe(true);

    const handle = platform.router.forTenant(tenant);
    const users = await handle.db.select().from(handle.t.users);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ email: "boss@acme.test", role: "admin", active: true });
    expect(users[0]!.passwordHash).toMatch(/^\$argon2id\$/);
    const { rows } = await platform.control.pool.query(`SELECT version FROM "${tenant.schemaName}"._schema_version`);
    expect(rows[0].version).toBe(latestTenantVersion());
  });

  it("lists, suspends, resumes and drops a tenant", async () => {
    const tenant = await createTestTenant(platform);
    expect((await listTenants(platform.control.db)).map((t) => t.slug)).toContain(tenant.slug);

    expect((await setTenantStatus(platform.control, tenant.slug, "suspended")).status).toBe("suspended");
    expect((await platform.directory.lookup(tenant.slug))?.status).toBe("suspended");
    expect((await setTenantStatus(platform.control, tenant.slug, "active")).status).toBe("active");

    await dropTenant(platform.control, platform.router, tenant.slug);
    expect(await schemaExists(tenant.schemaName)).toBe(false);
    expect(await platform.control.db.select().from(tenants).where(eq(tenants.slug, tenant.slug))).toEqual([]);
  });

  it("announces every change of a tenant's registry row on conductor_tenants, as it commits", async () => {
    const listener = new pg.Client({ connectionString: testDatabaseUrl() });
    const announced: string[] = [];
    listener.on("notification", ({ channel, payload }) => channel === "conductor_tenants" && payload && announced.push(payload));
    await listener.connect();
    await listener.query("LISTEN conductor_tenants");
    try {
      const tenant = await createTestTenant(platform);
      const count = () => announced.filter((id) => id === tenant.id).length;
      await expect.poll(count).toBe(1);
      await setTenantStatus(platform.control, tenant.slug, "suspended");
      await expect.poll(count).toBe(2);
      await setTenantStatus(platform.control, tenant.slug, "active");
      await expect.poll(count).toBe(3);
      await dropTenant(platform.control, platform.router, tenant.slug);
      await expect.poll(count).toBe(5); // marked deleting, then the row deleted
    } finally {
      await listener.end();
    }
  });

  const badSlugs: Array<[string, string]> = [
    ["too short", "ab"],
    ["too long", `a${"b".repeat(40)}`],
    ["uppercase", "Acme"],
    ["starts with a digit", "1acme"],
    ["starts with a dash", "-acme"],
    ["ends with a dash", "acme-"],
    ["underscore", "ac_me"],
    ["dot", "ac.me"],
    ["quote", 'ac"me'],
    ["space", "ac me"],
    ["non-ASCII", "acmé"],
    ["punycode", "xn--acme"],
    ["reserved www", "www"],
    ["reserved api", "api"],
    ["reserved admin", "admin"],
    ["reserved portal", "portal"],
    ["reserved app", "app"],
    ["reserved mail", "mail"],
    ["reserved public", "public"],
    ["reserved control", "control"],
    ["pg prefix", "pg-tenant"],
    ["pg prefix, no dash", "pgacme"],
    ["empty", ""],
  ];

  it.each(badSlugs)("refuses a slug that is %s and leaves nothing behind", async (_why, slug) => {
    const before = await tenantSchemas();
    await expect(
      createTenant(platform.control, platform.router, { slug, name: "X", adminEmail: "a@x.test" }, { firstAdmin: prepareFirstAdmin }),
    ).rejects.toBeInstanceOf(ProvisioningError);
    expect(await rowsWithSlug(slug, slug.trim().toLowerCase())).toEqual([]);
    await expectNoOrphanSchemasSince(before);
  });

  it("refuses a taken slug, a bad email and an unknown shard with a clear message", async () => {
    const tenant = await createTestTenant(platform);
    await expect(createTestTenant(platform, { slug: tenant.slug })).rejects.toThrow(/already exists/);
    await expect(createTestTenant(platform, { adminEmail: "not-an-email" })).rejects.toThrow(/--admin-email must be an email/);
    await expect(createTestTenant(platform, { shard: "nowhere" })).rejects.toThrow(/shard "nowhere" is not configured/);
    await expect(createTestTenant(platform, { adminPassword: "short" })).rejects.toThrow(/--admin-password must be at least 10/);
  });

  it("is atomic: a failure while building the schema leaves no row and no schema", async () => {
    const slug = uniqueSlug();
    const before = await tenantSchemas();
    const broken = [...loadTenantMigrations(), { version: 99, tag: "9999_broken", statements: ["CREATE TABLE widgets (id int)", "SELECT 1/0"] }];
    await expect(
      createTenant(
        platform.control,
        platform.router,
        { slug, name: "Doomed", adminEmail: "a@doomed.test" },
        { firstAdmin: prepareFirstAdmin, migrations: broken },
      ),
    ).rejects.toThrow(/division by zero/);
    expect(await rowsWithSlug(slug)).toEqual([]);
    await expectNoOrphanSchemasSince(before);
  });

  it("reports a unique violation other than the slug's as it is, not as a taken slug", async () => {
    const slug = uniqueSlug();
    const before = await tenantSchemas();
    const clashing = [
      ...loadTenantMigrations(),
      { version: 99, tag: "9999_dupes", statements: ["CREATE TABLE dupes (id int UNIQUE)", "INSERT INTO dupes VALUES (1), (1)"] },
    ];
    const error: unknown = await createTenant(
      platform.control,
      platform.router,
      { slug, name: "Dupes", adminEmail: "a@dupes.test" },
      { firstAdmin: prepareFirstAdmin, migrations: clashing },
    ).catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ProvisioningError);
    expect(error).toMatchObject({ code: "23505", constraint: "dupes_id_key" });
    expect(await rowsWithSlug(slug)).toEqual([]);
    await expectNoOrphanSchemasSince(before);
  });

  it("creates exactly one tenant when the same slug is created twice at once", async () => {
    const slug = uniqueSlug();
    const before = await tenantSchemas();
    const results = await Promise.allSettled([
      createTenant(platform.control, platform.router, { slug, name: "Racer", adminEmail: "a@race.test" }, { firstAdmin: prepareFirstAdmin }),
      createTenant(platform.control, platform.router, { slug, name: "Racer twin", adminEmail: "b@race.test" }, { firstAdmin: prepareFirstAdmin }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const loser = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
    expect(loser.reason).toBeInstanceOf(ProvisioningError);
    expect(loser.reason).toHaveProperty("message", expect.stringMatching(/already exists/));
    const rows = await rowsWithSlug(slug);
    expect(rows).toHaveLength(1);
    expect(await schemaExists(rows[0]!.schemaName)).toBe(true);
    await expectNoOrphanSchemasSince(before);
  });
});
