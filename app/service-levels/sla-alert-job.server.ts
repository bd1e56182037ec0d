import { asc, eq, lte, sql } from "drizzle-orm";
import type { Logger } from "pino";
import pLimit from "p-limit";
import { isDatabaseUnavailable } from "../../db/connection-errors";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { listTenants } from "../../tenancy/tenant-registry";
import { recordActivity } from "../activity/activity-log.server";
import { queueSlaAlertEmail } from "../email/sla-alert-email.server";
import { alertKey, dueAlerts, type SlaAlert } from "./sla-alerts";
import { refreshTicketSla, saveTicketSla } from "./ticket-sla.server";

export const SLA_ALERT_SCAN_TASK = "sla_alert_scan";
/** Tickets handled per tenant per run; the rest wait a minute (their next_alert_at stays due). */
const BATCH = 500;
const TENANTS_AT_ONCE = 4;

type AlertJobDeps = {
  platform: Pick<Platform, "control" | "router">;
  originFor: (tenant: TenantRecord) => string;
  log: Pick<Logger, "info" | "warn" | "error">;
};

/**
 * Records the SLA warnings and breaches that fell due on one ticket: each once (its key is the
 * primary key of ticket_sla_alerts, so a retried or concurrent run inserts nothing twice), with an
 * activity entry and an email to the assignee (the workspace's admins when unassigned), all in one
 * transaction with the recomputed clocks. The ticket's row lock orders it with the ticket's changes,
 * and the time is the database's, read under that lock, like the changes' events (`at` overrides it:
 * tests and the benchmark look ahead).
 */
export async function recordDueSlaAlerts(handle: TenantHandle, ticketId: number, origin: string, at?: Date): Promise<SlaAlert[]> {
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const [locked] = await tx.select({ id: t.tickets.id }).from(t.tickets).where(eq(t.tickets.id, ticketId)).for("update");
    if (!locked) return [];
    const now = at ?? (await databaseNow(tx));
    const refreshed = await refreshTicketSla(tx, t, ticketId, now);
    const due = dueAlerts(refreshed.result, refreshed.warnBeforeMinutes, refreshed.recorded, now);
    const fresh: SlaAlert[] = [];
    for (const alert of due) {
      const inserted = await tx
        .insert(t.ticketSlaAlerts)
        .values({ ticketId, metric: alert.metric, cycle: alert.cycle, kind: alert.kind, dueAt: alert.dueAt, recordedAt: now })
        .onConflictDoNothing()
        .returning({ ticketId: t.ticketSlaAlerts.ticketId });
      if (inserted.length === 0) continue;
      fresh.push(alert);
      refreshed.recorded.add(alertKey(alert));
      await recordActivity(tx, t, {
        actorType: "system",
        action: alert.kind === "breach" ? "sla.breached" : "sla.warning",
        entityType: "ticket",
        entityId: ticketId,
        ticketId,
        changes: { sla: { from: null, to: { metric: alert.metric, dueAt: alert.dueAt.toISOString(), minutesLate: alert.minutesLate } } },
      });
    }
    if (fresh.length > 0) await queueSlaAlertEmail({ tx, handle, origin }, ticketId, fresh, now);
    await saveTicketSla(tx, t, ticketId, refreshed, null, now);
    return fresh;
  });
}

async function databaseNow(tx: TenantTransaction): Promise<Date> {
  const { rows } = await tx.execute<{ now: string }>(sql`select clock_timestamp()::text as now`);
  return new Date(rows[0]!.now);
}

/**
 * One tenant's due alerts, oldest first, at most BATCH tickets. A ticket that fails is logged and
 * skipped (retried next minute), so it cannot hold up the tenant's other alerts.
 */
export async function recordTenantSlaAlerts(
  handle: TenantHandle,
  origin: string,
  { at, log }: { at?: Date; log?: Pick<Logger, "error"> } = {},
): Promise<{ tickets: number; alerts: number; failed: number }> {
  const { t } = handle;
  const due = await handle.db
    .select({ ticketId: t.ticketSlas.ticketId })
    .from(t.ticketSlas)
    .where(lte(t.ticketSlas.nextAlertAt, at ?? sql`now()`))
    .orderBy(asc(t.ticketSlas.nextAlertAt))
    .limit(BATCH);
  let alerts = 0;
  let failed = 0;
  for (const { ticketId } of due) {
    try {
      alerts += (await recordDueSlaAlerts(handle, ticketId, origin, at)).length;
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      failed += 1;
      log?.error({ tenant: handle.tenant.slug, ticketId, err: error }, "SLA alerts of a ticket not recorded; retried next minute");
    }
  }
  return { tickets: due.length, alerts, failed };
}

/**
 * The `sla_alert_scan` job, run each minute by each shard's runner (graphile-worker cron): every
 * active tenant of the shard, a few at a time. A tenant that fails is logged and retried next minute
 * without holding up the others.
 */
export function slaAlertScanTask({ platform, originFor, log }: AlertJobDeps, shardId: string) {
  return async (): Promise<void> => {
    const started = Date.now();
    const tenants = (await listTenants(platform.control.db)).filter((tenant) => tenant.shard === shardId && tenant.status === "active");
    const limit = pLimit(TENANTS_AT_ONCE);
    let tickets = 0;
    let alerts = 0;
    await Promise.all(
      tenants.map((tenant) =>
        limit(async () => {
          try {
            const done = await recordTenantSlaAlerts(platform.router.forTenant(tenant), originFor(tenant), { log });
            tickets += done.tickets;
            alerts += done.alerts;
          } catch (error) {
            log.error({ tenant: tenant.slug, err: error }, "SLA alerts of a workspace not recorded this minute; retried next minute");
          }
        }),
      ),
    );
    if (alerts > 0) log.info({ tenants: tenants.length, tickets, alerts, ms: Date.now() - started }, "SLA alerts recorded");
  };
}
