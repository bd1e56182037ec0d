-- Hand-ordered: the counters gain a priority dimension, so a priority filter's tab counts need no scan.
DELETE FROM "ticket_counters";--> statement-breakpoint
ALTER TABLE "ticket_counters" DROP CONSTRAINT "ticket_counters_status_assignee_id_pk";--> statement-breakpoint
ALTER TABLE "ticket_counters" ADD COLUMN "priority" text NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_counters" ADD CONSTRAINT "ticket_counters_pkey" PRIMARY KEY("status","assignee_id","priority");--> statement-breakpoint
INSERT INTO "ticket_counters" ("status", "assignee_id", "priority", "count") SELECT "status", coalesce("assignee_id", 0), "priority", count(*)::int FROM "tickets" GROUP BY 1, 2, 3;
