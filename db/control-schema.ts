import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, integer, jsonb, pgSchema, text, timestamp, varchar } from "drizzle-orm/pg-core";

/** Shared tables live in `control`, never in `public`: see TENANCY-NOTES.md. */
export const control = pgSchema("control");

export const TENANT_STATUSES = ["provisioning", "active", "suspended", "deleting"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export type TenantSettings = {
  branding?: { logoUrl?: string; accentColor?: string };
};

export const tenants = control.table(
  "tenants",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    schemaName: text("schema_name").notNull().unique(),
    status: text("status").$type<TenantStatus>().notNull().default("provisioning"),
    shard: text("shard").notNull().default("main"),
    schemaVersion: integer("schema_version").notNull().default(0),
    settings: jsonb("settings").$type<TenantSettings>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check("tenants_status_check", sql`${table.status} in ('provisioning', 'active', 'suspended', 'deleting')`),
    check("tenants_schema_name_check", sql`${table.schemaName} ~ '^t_[a-z0-9_]{1,61}$'`),
    index("tenants_schema_version_idx").on(table.schemaVersion),
  ],
);

/** A lease that keeps two tenant-migration fan-outs from running at once (works through poolers). */
export const migrationLeases = control.table("migration_leases", {
  name: text("name").primaryKey(),
  owner: text("owner").notNull(),
  targetVersion: integer("target_version").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One row per tenant migration attempt: the operator's audit trail of fan-outs. */
export const tenantMigrations = control.table(
  "tenant_migrations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tenantId: text("tenant_id").notNull(),
    fromVersion: integer("from_version").notNull(),
    toVersion: integer("to_version").notNull(),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("tenant_migrations_tenant_idx").on(table.tenantId, table.createdAt)],
);

/** rate-limiter-flexible's Postgres store, shared by every process. Keys always include the tenant id. */
export const rateLimits = control.table("rate_limits", {
  key: varchar("key", { length: 255 }).primaryKey(),
  points: integer("points").notNull().default(0),
  expire: bigint("expire", { mode: "number" }),
});

/**
 * Extra support addresses (e.g. help@acme.com) that route inbound mail to a tenant. Mail is routed
 * before any tenant is known, so the map lives in the control plane; addresses are stored lower-case.
 */
export const inboundAddresses = control.table("inbound_addresses", {
  address: text("address").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type TenantRow = typeof tenants.$inferSelect;
