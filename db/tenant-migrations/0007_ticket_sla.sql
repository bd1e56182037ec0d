CREATE TABLE "ticket_sla_alerts" (
	"ticket_id" bigint NOT NULL,
	"metric" text NOT NULL,
	"cycle" integer NOT NULL,
	"kind" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_sla_alerts_pkey" PRIMARY KEY("ticket_id","metric","cycle","kind"),
	CONSTRAINT "ticket_sla_alerts_kind_check" CHECK ("ticket_sla_alerts"."kind" in ('warning', 'breach'))
);
--> statement-breakpoint
CREATE TABLE "ticket_sla_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ticket_sla_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"ticket_id" bigint NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"data" jsonb,
	CONSTRAINT "ticket_sla_events_type_check" CHECK ("ticket_sla_events"."type" in ('ticket_created', 'status_changed', 'customer_message', 'agent_public_reply', 'policy_changed'))
);
--> statement-breakpoint
CREATE TABLE "ticket_slas" (
	"ticket_id" bigint PRIMARY KEY NOT NULL,
	"policy_id" bigint,
	"policy_name" text,
	"clocks" jsonb NOT NULL,
	"next_breach_at" timestamp with time zone,
	"next_alert_at" timestamp with time zone,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sla_policies" ADD COLUMN "warn_before_minutes" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_sla_alerts" ADD CONSTRAINT "ticket_sla_alerts_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_sla_events" ADD CONSTRAINT "ticket_sla_events_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_slas" ADD CONSTRAINT "ticket_slas_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_slas" ADD CONSTRAINT "ticket_slas_policy_id_sla_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "sla_policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ticket_sla_events_ticket_idx" ON "ticket_sla_events" USING btree ("ticket_id","at","id");--> statement-breakpoint
CREATE INDEX "ticket_slas_next_breach_idx" ON "ticket_slas" USING btree ("next_breach_at") WHERE "ticket_slas"."next_breach_at" is not null;--> statement-breakpoint
CREATE INDEX "ticket_slas_next_alert_idx" ON "ticket_slas" USING btree ("next_alert_at") WHERE "ticket_slas"."next_alert_at" is not null;--> statement-breakpoint
CREATE INDEX "ticket_slas_computed_idx" ON "ticket_slas" USING btree ("computed_at");