ALTER TABLE "control"."inbound_addresses" DROP CONSTRAINT "inbound_addresses_pkey";--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ALTER COLUMN "address" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD COLUMN "id" bigserial PRIMARY KEY NOT NULL;--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD COLUMN "status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD COLUMN "token_hash" text;--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD COLUMN "token_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD COLUMN "confirmation_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD COLUMN "confirmation_message_id" text;--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
-- Addresses added before claims needed confirming already route mail in running deployments: they stay verified.
UPDATE "control"."inbound_addresses" SET "status" = 'verified', "verified_at" = "created_at";--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_addresses_address_tenant_key" ON "control"."inbound_addresses" USING btree ("address","tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_addresses_verified_address_key" ON "control"."inbound_addresses" USING btree ("address") WHERE "control"."inbound_addresses"."status" = 'verified';--> statement-breakpoint
CREATE INDEX "inbound_addresses_tenant_idx" ON "control"."inbound_addresses" USING btree ("tenant_id");--> statement-breakpoint
ALTER TABLE "control"."inbound_addresses" ADD CONSTRAINT "inbound_addresses_status_check" CHECK ("control"."inbound_addresses"."status" in ('pending', 'verified', 'taken'));
