import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";

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

export const INBOUND_ADDRESS_STATUSES = ["pending", "verified", "taken"] as const;
export type InboundAddressStatus = (typeof INBOUND_ADDRESS_STATUSES)[number];

/**
 * Workspaces' claims on extra support addresses (e.g. help@acme.com). Mail is routed before any
 * tenant is known, so the claims live in the control plane; addresses are stored lower-case.
 * A claim is `pending` until the emailed confirmation is used, and only `verified` claims route
 * mail. Any number of workspaces may hold a pending claim on an address; at most one holds it
 * verified (the partial unique index), and the others' claims become `taken`.
 */
export const inboundAddresses = control.table(
  "inbound_addresses",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    address: text("address").notNull(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    status: text("status").$type<InboundAddressStatus>().notNull().default("pending"),
    /** SHA-256 of the confirmation token's secret part; cleared once the claim is decided. */
    tokenHash: text("token_hash"),
    tokenExpiresAt: timestamp("token_expires_at", { withTimezone: true }),
    confirmationSentAt: timestamp("confirmation_sent_at", { withTimezone: true }),
    /** The confirmation email's Message-ID: its arrival in the workspace's own inbound mail proves the forwarding. */
    confirmationMessageId: text("confirmation_message_id"),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("inbound_addresses_address_tenant_key").on(table.address, table.tenantId),
    uniqueIndex("inbound_addresses_verified_address_key")
      .on(table.address)
      .where(sql`${table.status} = 'verified'`),
    index("inbound_addresses_tenant_idx").on(table.tenantId),
    check("inbound_addresses_status_check", sql`${table.status} in ('pending', 'verified', 'taken')`),
  ],
);

export type TenantRow = typeof tenants.$inferSelect;
