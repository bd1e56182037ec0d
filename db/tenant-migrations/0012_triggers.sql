CREATE TABLE "triggers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "triggers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"events" text[] NOT NULL,
	"match" text DEFAULT 'all' NOT NULL,
	"conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"actions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "triggers_match_check" CHECK ("triggers"."match" in ('all', 'any')),
	CONSTRAINT "triggers_events_check" CHECK ("triggers"."events" <@ array['ticket_created', 'ticket_updated', 'customer_replied', 'agent_replied']::text[] and cardinality("triggers"."events") > 0)
);
--> statement-breakpoint
ALTER TABLE "activity_logs" ADD COLUMN "actor_label" text;--> statement-breakpoint
CREATE UNIQUE INDEX "triggers_name_key" ON "triggers" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "triggers_position_idx" ON "triggers" USING btree ("position");