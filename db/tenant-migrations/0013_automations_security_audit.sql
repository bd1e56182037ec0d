CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"event" text NOT NULL,
	"actor_user_id" bigint,
	"actor_label" text NOT NULL,
	"target_user_id" bigint,
	"target_label" text,
	"ip_address" text,
	"user_agent" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automation_runs" (
	"automation_id" bigint NOT NULL,
	"ticket_id" bigint NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"ran_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "automation_runs_automation_id_ticket_id_period_start_pk" PRIMARY KEY("automation_id","ticket_id","period_start")
);
--> statement-breakpoint
CREATE TABLE "automations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "automations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"match" text DEFAULT 'all' NOT NULL,
	"conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"actions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "automations_match_check" CHECK ("automations"."match" in ('all', 'any'))
);
--> statement-breakpoint
CREATE TABLE "member_passkeys" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "member_passkeys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" bigint NOT NULL,
	"credential_id" text NOT NULL,
	"public_key" "bytea" NOT NULL,
	"sign_count" bigint DEFAULT 0 NOT NULL,
	"transports" text[] DEFAULT '{}'::text[] NOT NULL,
	"device_type" text DEFAULT 'singleDevice' NOT NULL,
	"backed_up" boolean DEFAULT false NOT NULL,
	"name" text NOT NULL,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "security_settings" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"require_two_factor" text DEFAULT 'off' NOT NULL,
	"two_factor_after_sso" boolean DEFAULT false NOT NULL,
	"session_idle_minutes" integer,
	"session_max_hours" integer,
	"allowed_sign_in_methods" text[] DEFAULT array['password', 'sso', 'passkey']::text[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "security_settings_singleton_check" CHECK ("security_settings"."singleton"),
	CONSTRAINT "security_settings_require_check" CHECK ("security_settings"."require_two_factor" in ('off', 'admins', 'everyone')),
	CONSTRAINT "security_settings_methods_check" CHECK ("security_settings"."allowed_sign_in_methods" <@ array['password', 'sso', 'passkey']::text[] and cardinality("security_settings"."allowed_sign_in_methods") > 0),
	CONSTRAINT "security_settings_idle_check" CHECK ("security_settings"."session_idle_minutes" is null or "security_settings"."session_idle_minutes" > 0),
	CONSTRAINT "security_settings_max_check" CHECK ("security_settings"."session_max_hours" is null or "security_settings"."session_max_hours" > 0)
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "last_used_ip" text;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "status_changed_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "last_customer_reply_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "last_agent_reply_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "automation_runs" ADD CONSTRAINT "automation_runs_automation_id_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "automations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_runs" ADD CONSTRAINT "automation_runs_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_passkeys" ADD CONSTRAINT "member_passkeys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_occurred_idx" ON "audit_events" USING btree ("occurred_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_event_idx" ON "audit_events" USING btree ("event","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_user_id","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_target_idx" ON "audit_events" USING btree ("target_user_id","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "automation_runs_ticket_idx" ON "automation_runs" USING btree ("ticket_id");--> statement-breakpoint
CREATE UNIQUE INDEX "automations_name_key" ON "automations" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "automations_position_idx" ON "automations" USING btree ("position");--> statement-breakpoint
CREATE UNIQUE INDEX "member_passkeys_credential_key" ON "member_passkeys" USING btree ("credential_id");--> statement-breakpoint
CREATE INDEX "member_passkeys_user_idx" ON "member_passkeys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "tickets_status_changed_idx" ON "tickets" USING btree ("status","status_changed_at");--> statement-breakpoint
UPDATE "tickets" SET "status_changed_at" = coalesce("solved_at", "updated_at");--> statement-breakpoint
UPDATE "tickets" t SET
  "last_customer_reply_at" = (SELECT max(m."created_at") FROM "ticket_messages" m WHERE m."ticket_id" = t."id" AND m."author_type" = 'customer'),
  "last_agent_reply_at" = (SELECT max(m."created_at") FROM "ticket_messages" m WHERE m."ticket_id" = t."id" AND m."author_type" = 'agent' AND NOT m."internal");--> statement-breakpoint
CREATE FUNCTION "audit_events_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_refuse_change"();
