import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { ShardConfig } from "../../db/database-servers";
import type { PoolOptions } from "../../tenancy/connection-router";
import { createPlatform, type Platform } from "../../tenancy/platform";
import { createTenant, type CreateTenantInput } from "../../tenancy/provisioning";
import { prepareFirstAdmin } from "../../app/team/first-admin.server";

export function testDatabaseUrl(): string {
  return inject("databaseUrl");
}

export function openTestPlatform(options: { poolOptions?: Partial<PoolOptions>; shards?: ShardConfig[] } = {}): Platform {
  return createPlatform(options.shards ?? [{ id: "main", url: testDatabaseUrl() }], { poolOptions: options.poolOptions, tenantCacheTtlMs: 0 });
}

/** Slugs unique per test run, so test files can share one database and run in parallel. */
export function uniqueSlug(prefix = "t"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export async function createTestTenant(platform: Platform, input: Partial<CreateTenantInput> = {}) {
  const slug = input.slug ?? uniqueSlug();
  const { tenant } = await createTenant(
    platform.control,
    platform.router,
    {
      slug,
      name: input.name ?? `Tenant ${slug}`,
      adminEmail: input.adminEmail ?? `admin@${slug}.test`,
      // With a password the first admin exists at once (without one, only an invite would).
      adminPassword: "test admin password",
      ...input,
    },
    { firstAdmin: prepareFirstAdmin },
  );
  return tenant;
}
