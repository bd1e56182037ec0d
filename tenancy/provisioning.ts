import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { z } from "zod";
import { hashPassword } from "../app/auth/password.server";
import { tenants } from "../db/control-schema";
import { tenantTables } from "../db/tenant-schema";
import type { ControlPlane } from "./control-plane";
import type { ConnectionRouter } from "./connection-router";
import { newTenantId, quoteSchema, schemaNameFor } from "./schema-name";
import { slugSchema } from "./slug";
import type { TenantMigration } from "./tenant-migrations";
import { migrateSchemaInTransaction } from "./tenant-migrator";
import type { TenantRecord } from "./tenant-record";
import { findTenantBySlug, toTenantRecord } from "./tenant-registry";

/** A problem an operator can fix; the CLI prints the message and exits non-zero. */
export class ProvisioningError extends Error {}

export const createTenantInput = z.object({
  slug: slugSchema,
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  adminEmail: z.email("must be an email address such as admin@acme.test").transform((email) => email.toLowerCase()),
  adminName: z.string().trim().min(1).max(100).optional(),
  adminPassword: z.string().min(10, "must be at least 10 characters").max(200).optional(),
  shard: z.string().default("main"),
});
export type CreateTenantInput = z.input<typeof createTenantInput>;

export type CreatedTenant = { tenant: TenantRecord; adminEmail: string };

/**
 * Creates a tenant atomically: the registry row and the schema (tables, migrations, first admin)
 * are written in two transactions that commit together, the shard's first. A failure anywhere
 * rolls both back and leaves no row and no schema. The schema name comes from a fresh random id.
 */
export async function createTenant(
  control: ControlPlane,
  router: ConnectionRouter,
  rawInput: CreateTenantInput,
  { migrations }: { migrations?: TenantMigration[] } = {},
): Promise<CreatedTenant> {
  const input = parseInput(createTenantInput, rawInput);
  if (!router.hasShard(input.shard)) {
    throw new ProvisioningError(`shard "${input.shard}" is not configured; known shards: ${router.shardIds().join(", ")} (add more with SHARD_URLS)`);
  }
  if (await findTenantBySlug(control.db, input.slug)) {
    throw new ProvisioningError(`a tenant with slug "${input.slug}" already exists; pick another slug or drop it first`);
  }
  const id = newTenantId();
  const schemaName = schemaNameFor(id);
  const passwordHash = input.adminPassword ? await hashPassword(input.adminPassword) : null;

  const controlClient = await control.pool.connect();
  const shardClient = await router.poolFor({ id, shard: input.shard }).connect();
  let shardCommitted = false;
  try {
    await controlClient.query("BEGIN");
    const [row] = await drizzle(controlClient)
      .insert(tenants)
      .values({ id, slug: input.slug, name: input.name, schemaName, shard: input.shard, status: "provisioning" })
      .returning();

    await shardClient.query("BEGIN");
    await shardClient.query(`CREATE SCHEMA ${quoteSchema(schemaName)}`);
    const { to } = await migrateSchemaInTransaction(shardClient, schemaName, { migrations });
    const t = tenantTables(schemaName);
    const shardDb = drizzle(shardClient);
    const [admin] = await shardDb
      .insert(t.users)
      .values({ email: input.adminEmail, name: input.adminName ?? defaultNameFromEmail(input.adminEmail), role: "admin", passwordHash })
      .returning({ id: t.users.id });
    await shardDb.insert(t.activityLogs).values({
      actorType: "system",
      action: "workspace.created",
      entityType: "user",
      entityId: admin!.id,
      changes: { name: { from: null, to: input.name } },
    });
    await shardClient.query("COMMIT");
    shardCommitted = true;

    const [active] = await drizzle(controlClient)
      .update(tenants)
      .set({ status: "active", schemaVersion: to, updatedAt: sql`now()` })
      .where(eq(tenants.id, row!.id))
      .returning();
    await controlClient.query("COMMIT");
    return { tenant: toTenantRecord(active!), adminEmail: input.adminEmail };
  } catch (error) {
    await controlClient.query("ROLLBACK").catch(() => {});
    if (shardCommitted) {
      await shardClient.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schemaName)} CASCADE`).catch(() => {});
    } else {
      await shardClient.query("ROLLBACK").catch(() => {});
    }
    if (isUniqueViolation(error)) throw new ProvisioningError(`a tenant with slug "${input.slug}" already exists`);
    throw error;
  } finally {
    controlClient.release();
    shardClient.release();
  }
}

export async function setTenantStatus(control: ControlPlane, slug: string, status: "active" | "suspended"): Promise<TenantRecord> {
  const tenant = await requireTenant(control, slug);
  if (tenant.status !== "active" && tenant.status !== "suspended") {
    throw new ProvisioningError(`tenant "${slug}" is ${tenant.status}; only active or suspended tenants can be ${status === "active" ? "resumed" : "suspended"}`);
  }
  const [row] = await control.db
    .update(tenants)
    .set({ status, updatedAt: sql`now()` })
    .where(eq(tenants.id, tenant.id))
    .returning();
  return toTenantRecord(row!);
}

/**
 * Drops a tenant: marked `deleting` first (requests stop at once), then its schema is dropped on
 * its shard, then the registry row goes. Safe to re-run if it stops halfway.
 */
export async function dropTenant(control: ControlPlane, router: ConnectionRouter, slug: string): Promise<TenantRecord> {
  const tenant = await requireTenant(control, slug);
  await control.db.update(tenants).set({ status: "deleting", updatedAt: sql`now()` }).where(eq(tenants.id, tenant.id));
  const client = await router.poolFor(tenant).connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL lock_timeout = '10s'");
    await client.query(`DROP SCHEMA IF EXISTS ${quoteSchema(tenant.schemaName)} CASCADE`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  await control.db.delete(tenants).where(eq(tenants.id, tenant.id));
  return tenant;
}

export async function requireTenant(control: ControlPlane, slug: string): Promise<TenantRecord> {
  const tenant = await findTenantBySlug(control.db, slug);
  if (!tenant) throw new ProvisioningError(`no tenant with slug "${slug}"; \`npm run tenant -- list\` shows the tenants`);
  return tenant;
}

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const flags: Record<string, string> = { adminEmail: "--admin-email", adminPassword: "--admin-password", adminName: "--admin-name", name: "--name", slug: "<slug>", shard: "--shard" };
    throw new ProvisioningError(
      result.error.issues.map((issue) => `${flags[String(issue.path[0])] ?? issue.path.join(".")} ${issue.message}`).join("\n"),
    );
  }
  return result.data;
}

function defaultNameFromEmail(email: string): string {
  const local = email.split("@")[0] ?? email;
  return local.replace(/[._-]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "23505";
}
