import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { z } from "zod";
import type { TenantTables } from "../db/tenant-tables";
import { tenants } from "../db/control-schema";
import { tenantTables } from "../db/tenant-schema";
import type { ControlPlane } from "./control-plane";
import type { ConnectionRouter, TenantDatabase } from "./connection-router";
import { newTenantId, quoteSchema, schemaNameFor } from "../db/schema-name";
import { slugSchema } from "./slug";
import type { TenantMigration } from "./tenant-migrations";
import { migrateSchemaInTransaction } from "./tenant-migrator";
import type { TenantRecord } from "./tenant-record";
import { announceTenantChange, deleteTenantRow, findTenantBySlug, toTenantRecord, updateTenantRow } from "./tenant-registry";

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

/** The first admin of a new tenant, from the input. */
export type FirstAdmin = { workspaceName: string; email: string; name: string | undefined; password: string | undefined; inviteTtlHours: number };

/**
 * Writes the first admin (or, without a password, an admin invite whose token it returns) into
 * a new tenant's schema, inside the transaction that creates it. Two steps, so the slow part
 * (hashing the password) runs before a connection is taken. The team module supplies it
 * (`prepareFirstAdmin` in app/team/first-admin.server.ts): tenancy does not know how members are stored.
 */
export type PrepareFirstAdmin = (admin: FirstAdmin) => Promise<(db: TenantDatabase, t: TenantTables) => Promise<string | null>>;

/** `inviteToken` is set when no admin password was given: the admin then joins through `/invite/<token>`. */
export type CreatedTenant = { tenant: TenantRecord; adminEmail: string; inviteToken: string | null };

/**
 * Creates a tenant atomically: the registry row and the schema (tables, migrations, first admin)
 * are written in two transactions that commit together, the shard's first. A failure anywhere
 * rolls both back and leaves no row and no schema. The schema name comes from a fresh random id.
 */
export async function createTenant(
  control: ControlPlane,
  router: ConnectionRouter,
  rawInput: CreateTenantInput,
  { firstAdmin, migrations, inviteTtlHours = 72 }: { firstAdmin: PrepareFirstAdmin; migrations?: TenantMigration[]; inviteTtlHours?: number },
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
  const writeFirstAdmin = await firstAdmin({
    workspaceName: input.name,
    email: input.adminEmail,
    name: input.adminName,
    password: input.adminPassword,
    inviteTtlHours,
  });

  const controlClient = await control.pool.connect();
  const shardClient = await router.poolFor({ id, shard: input.shard }).connect();
  let shardCommitted = false;
  try {
    await controlClient.query("BEGIN");
    const [row] = await drizzle(controlClient)
      .insert(tenants)
      .values({ id, slug: input.slug, name: input.name, schemaName, shard: input.shard, status: "provisioning" })
      .returning();

    // One round trip: a parameterless query may carry several statements.
    await shardClient.query(`BEGIN; CREATE SCHEMA ${quoteSchema(schemaName)}`);
    const { to } = await migrateSchemaInTransaction(shardClient, schemaName, { migrations });
    const inviteToken = await writeFirstAdmin(drizzle(shardClient), tenantTables(schemaName));
    await shardClient.query("COMMIT");
    shardCommitted = true;

    const [active] = await drizzle(controlClient)
      .update(tenants)
      .set({ status: "active", schemaVersion: to, updatedAt: sql`now()` })
      .where(eq(tenants.id, row!.id))
      .returning();
    // Processes may have cached the slug as unknown; they forget it when this commits.
    await announceTenantChange(drizzle(controlClient), id);
    await controlClient.query("COMMIT");
    return { tenant: toTenantRecord(active!), adminEmail: input.adminEmail, inviteToken };
  } catch (error) {
    await controlClient.query("ROLLBACK").catch(() => {});
    if (shardCommitted) {
      await shardClient.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schemaName)} CASCADE`).catch(() => {});
    } else {
      await shardClient.query("ROLLBACK").catch(() => {});
    }
    // Only the slug's constraint means "taken"; any other unique violation is a bug to surface as is.
    if (uniqueViolationConstraint(error) === SLUG_CONSTRAINT) throw new ProvisioningError(`a tenant with slug "${input.slug}" already exists`);
    throw error;
  } finally {
    controlClient.release();
    shardClient.release();
  }
}

export async function setTenantStatus(control: ControlPlane, slug: string, status: "active" | "suspended"): Promise<TenantRecord> {
  const tenant = await requireTenant(control, slug);
  if (tenant.status !== "active" && tenant.status !== "suspended") {
    throw new ProvisioningError(
      `tenant "${slug}" is ${tenant.status}; only active or suspended tenants can be ${status === "active" ? "resumed" : "suspended"}`,
    );
  }
  const changed = await updateTenantRow(control.db, tenant.id, { status }, ["active", "suspended"]);
  if (!changed)
    throw new ProvisioningError(
      `tenant "${slug}" changed while it was being ${status === "active" ? "resumed" : "suspended"}; run \`npm run tenant -- show ${slug}\` and try again`,
    );
  return changed;
}

/**
 * Drops a tenant: marked `deleting` first (requests stop at once), then its schema is dropped on
 * its shard, then the registry row goes. Safe to re-run if it stops halfway.
 */
export async function dropTenant(control: ControlPlane, router: ConnectionRouter, slug: string): Promise<TenantRecord> {
  const tenant = await requireTenant(control, slug);
  await updateTenantRow(control.db, tenant.id, { status: "deleting" });
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
  await deleteTenantRow(control.db, tenant.id);
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
    const flags: Record<string, string> = {
      adminEmail: "--admin-email",
      adminPassword: "--admin-password",
      adminName: "--admin-name",
      name: "--name",
      slug: "<slug>",
      shard: "--shard",
    };
    throw new ProvisioningError(result.error.issues.map((issue) => `${flags[String(issue.path[0])] ?? issue.path.join(".")} ${issue.message}`).join("\n"));
  }
  return result.data;
}

/** The unique constraint on control.tenants.slug (drizzle's default name for `.unique()`). */
const SLUG_CONSTRAINT = "tenants_slug_unique";

/**
 * The constraint a unique violation (23505) names, else undefined. drizzle wraps driver errors
 * (DrizzleQueryError), so the pg error may sit further down the `cause` chain.
 */
function uniqueViolationConstraint(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === "object" && current !== null && depth < 5; depth += 1) {
    const { code, constraint, cause } = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (code === "23505") return typeof constraint === "string" ? constraint : undefined;
    current = cause;
  }
  return undefined;
}
