-- Hand-ordered: the built-in statuses exist before tickets point at them; today's statuses keep their names as keys.
CREATE TABLE "ticket_statuses" (
	"key" text PRIMARY KEY NOT NULL,
	"category" text NOT NULL,
	"agent_label" text NOT NULL,
	"customer_label" text NOT NULL,
	"position" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_statuses_key_category_key" UNIQUE("key","category"),
	CONSTRAINT "ticket_statuses_category_check" CHECK ("ticket_statuses"."category" in ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')),
	CONSTRAINT "ticket_statuses_key_check" CHECK ("ticket_statuses"."key" ~ '^[a-z][a-z0-9_]{0,39}$')
);
--> statement-breakpoint
INSERT INTO "ticket_statuses" ("key", "category", "agent_label", "customer_label", "position", "built_in") VALUES
	('new', 'new', 'New', 'Open', 0, true),
	('open', 'open', 'Open', 'Open', 0, true),
	('pending', 'pending', 'Pending', 'Awaiting your reply', 0, true),
	('on_hold', 'on_hold', 'On hold', 'In progress', 0, true),
	('solved', 'solved', 'Solved', 'Solved', 0, true),
	('closed', 'closed', 'Closed', 'Closed', 0, true);--> statement-breakpoint
ALTER TABLE "tickets" DROP CONSTRAINT "tickets_status_check";--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "status_key" text DEFAULT 'open' NOT NULL;--> statement-breakpoint
UPDATE "tickets" SET "status_key" = "status" WHERE "status" <> 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_statuses_agent_label_key" ON "ticket_statuses" USING btree (lower("agent_label"));--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_statuses_built_in_key" ON "ticket_statuses" USING btree ("category") WHERE "ticket_statuses"."built_in";--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_status_key_fk" FOREIGN KEY ("status_key","status") REFERENCES "ticket_statuses"("key","category") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tickets_status_key_updated_idx" ON "tickets" USING btree ("status_key","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_status_check" CHECK ("tickets"."status" in ('new', 'open', 'pending', 'on_hold', 'solved', 'closed'));