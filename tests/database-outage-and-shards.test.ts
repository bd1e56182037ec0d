import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateControlPlane, prepareShardDatabase } from "../db/prepare-database";
import { createPlatform, type Platform } from "../tenancy/platform";
import { createTenant } from "../tenancy/provisioning";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { startThrowawayPostgres as startScratchPostgres, type ThrowawayPostgres as ScratchPostgres } from "../db/throwaway-postgres";
import { testDatabaseUrl, uniqueSlug } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

async function readyDatabase(url: string, { control }: { control: boolean }) {
  await prepareShardDatabase(url);
  if (control) await migrateControlPlane(url);
}

describe("a database restart while the server runs", () => {
  let database: ScratchPostgres;
  let platform: Platform;
  let server: TestServer;
  let slug: string;
  const poolErrors: string[] = [];

  beforeAll(async () => {
    database = await startScratchPostgres();
    await readyDatabase(database.url, { control: true });
    platform = createPlatform([{ id: "main", url: database.url }], {
      tenantCacheTtlMs: 0,
      poolOptions: { connectionTimeoutMillis: 1000 },
      onPoolError: (error) => poolErrors.push(error.message),
    });
    slug = uniqueSlug();
    await createTenant(
      platform.control,
      platform.router,
      { slug, name: "Resilient", adminEmail: "a@resilient.test", adminPassword: "a long password" },
      { firstAdmin: prepareFirstAdmin },
    );
    server = await startTestServer(platform);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await platform?.close();
    await database?.stop();
  });

  it("fails requests cleanly during the outage and serves them again afterwards, without the process exiting", async () => {
    const tenant = (await platform.directory.lookup(slug))!;
    const { db, t } = platform.router.forTenant(tenant);
    // Warm the pools so idle connections are open when the server goes away.
    expect((await server.request(`${slug}.localhost`)).status).toBe(200);
    expect(await db.select().from(t.users)).toHaveLength(1);

    await database.halt();
    const duringOutage = await server.request(`${slug}.localhost`);
    expect(duringOutage.status).toBe(503);
    expect(await duringOutage.text()).toContain("cannot reach its database");
    expect((await server.request("localhost", "/readyz")).status).toBe(503);
    expect((await server.request("localhost", "/healthz")).status).toBe(200);
    await expect(db.select().from(t.users)).rejects.toThrow();
    expect(poolErrors.length).toBeGreaterThan(0); // idle clients died and were reported, not thrown

    await database.resume();
    expect((await server.request(`${slug}.localhost`)).status).toBe(200);
    expect((await server.request("localhost", "/readyz")).status).toBe(200);
    expect(await db.select().from(t.users)).toHaveLength(1);
  });
});

describe("two shards", () => {
  let second: ScratchPostgres;
  let platform: Platform;
  let server: TestServer;

  beforeAll(async () => {
    second = await startScratchPostgres();
    await readyDatabase(second.url, { control: false });
    platform = createPlatform(
      [
        { id: "main", url: testDatabaseUrl() },
        { id: "second", url: second.url },
      ],
      { tenantCacheTtlMs: 0 },
    );
    server = await startTestServer(platform);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await platform?.close();
    await second?.stop();
  });

  it("places each tenant on the server named at creation and serves it from there", async () => {
    const onMain = (
      await createTenant(
        platform.control,
        platform.router,
        { slug: uniqueSlug(), name: "On Main", adminEmail: "a@main.test" },
        { firstAdmin: prepareFirstAdmin },
      )
    ).tenant;
    const onSecond = (
      await createTenant(
        platform.control,
        platform.router,
        { slug: uniqueSlug(), name: "On Second", adminEmail: "a@second.test", shard: "second" },
        { firstAdmin: prepareFirstAdmin },
      )
    ).tenant;
    expect([onMain.shard, onSecond.shard]).toEqual(["main", "second"]);

    const schemaOn = async (url: string, schema: string) => {
      const pool = createPlatform([{ id: "main", url }]);
      try {
        return (await pool.control.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1;
      } finally {
        await pool.close();
      }
    };
    expect(await schemaOn(second.url, onSecond.schemaName)).toBe(true);
    expect(await schemaOn(testDatabaseUrl(), onSecond.schemaName)).toBe(false);
    expect(await schemaOn(testDatabaseUrl(), onMain.schemaName)).toBe(true);
    expect(await schemaOn(second.url, onMain.schemaName)).toBe(false);

    // Queries through the router reach the tenant's own server.
    for (const [tenant, url] of [
      [onMain, testDatabaseUrl()],
      [onSecond, second.url],
    ] as const) {
      const { db } = platform.router.forTenant(tenant);
      const { rows } = await db.execute<{ port: number }>("SELECT inet_server_port() AS port");
      expect(rows[0]!.port).toBe(Number(new URL(url).port));
    }

    const page = await server.request(`${onSecond.slug}.localhost`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("On Second · Conductor");
  });
});
