CREATE SCHEMA "control";
--> statement-breakpoint
CREATE TABLE "control"."migration_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"target_version" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "control"."tenant_migrations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"from_version" integer NOT NULL,
	"to_version" integer NOT NULL,
	"duration_ms" integer NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "control"."tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"schema_name" text NOT NULL,
	"status" text DEFAULT 'provisioning' NOT NULL,
	"shard" text DEFAULT 'main' NOT NULL,
	"schema_version" integer DEFAULT 0 NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_slug_unique" UNIQUE("slug"),
	CONSTRAINT "tenants_schema_name_unique" UNIQUE("schema_name"),
	CONSTRAINT "tenants_status_check" CHECK ("control"."tenants"."status" in ('provisioning', 'active', 'suspended', 'deleting')),
	CONSTRAINT "tenants_schema_name_check" CHECK ("control"."tenants"."schema_name" ~ '^t_[a-z0-9_]{1,61}$')
);
--> statement-breakpoint
CREATE INDEX "tenant_migrations_tenant_idx" ON "control"."tenant_migrations" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "tenants_schema_version_idx" ON "control"."tenants" USING btree ("schema_version");