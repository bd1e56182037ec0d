CREATE TABLE "ticket_counters" (
	"status" text NOT NULL,
	"assignee_id" bigint NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "ticket_counters_status_assignee_id_pk" PRIMARY KEY("status","assignee_id")
);
--> statement-breakpoint
DROP INDEX "tickets_status_updated_idx";--> statement-breakpoint
DROP INDEX "tickets_customer_idx";--> statement-breakpoint
DROP INDEX "tickets_assignee_idx";--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "search_text" text GENERATED ALWAYS AS (lower(name || ' ' || email || ' ' || coalesce(company, ''))) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "search_document" "tsvector" DEFAULT ''::tsvector NOT NULL;--> statement-breakpoint
CREATE INDEX "customers_search_trgm_idx" ON "customers" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "customers_name_idx" ON "customers" USING btree (lower("name"),"id");--> statement-breakpoint
CREATE INDEX "tickets_updated_idx" ON "tickets" USING btree ("updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_created_idx" ON "tickets" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_solved_at_idx" ON "tickets" USING btree ("solved_at");--> statement-breakpoint
CREATE INDEX "tickets_tags_idx" ON "tickets" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "tickets_search_idx" ON "tickets" USING gin ("search_document");--> statement-breakpoint
CREATE INDEX "tickets_status_updated_idx" ON "tickets" USING btree ("status","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_customer_idx" ON "tickets" USING btree ("customer_id","updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_assignee_idx" ON "tickets" USING btree ("assignee_id","status","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
-- Backfill for workspaces created before this migration (hand-written; the ticket commands keep both current from here on).
UPDATE "tickets" SET "search_document" = setweight(to_tsvector('english', "subject"), 'A') || coalesce((SELECT setweight(to_tsvector('english', string_agg(m."body", ' ' ORDER BY m."id")), 'B') FROM "ticket_messages" m WHERE m."ticket_id" = "tickets"."id"), ''::tsvector);--> statement-breakpoint
INSERT INTO "ticket_counters" ("status", "assignee_id", "count") SELECT "status", coalesce("assignee_id", 0), count(*)::int FROM "tickets" GROUP BY 1, 2;
