import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, sql } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import type { Logger } from "pino";
import * as z from "zod";
import { isDatabaseUnavailable } from "../../db/connection-errors";
import type { Platform } from "../../tenancy/platform";
import { describeJobError, openTenantJob } from "../jobs/tenant-job.server";
import { SEND_EMAIL_TASK, type SendEmailPayload } from "./outbox.server";
import { outboundMessage } from "./outbound-message.server";
import type { MailTransport } from "./mail-transport.server";

export type SendEmailDeps = {
  platform: Pick<Platform, "control" | "router">;
  transport: MailTransport;
  fromAddress: string;
  log: Pick<Logger, "info" | "warn" | "error">;
  replyRouting?: { sessionSecret: string; inboundDomain: string };
};

const SEND_EMAIL_JOB = {
  task: SEND_EMAIL_TASK,
  subject: "email",
  payloadSchema: z.object({ tenantId: z.string().min(1), emailId: z.number().int().positive() }) satisfies z.ZodType<SendEmailPayload>,
};

/**
 * The `send_email` job: sends one outbox row and records the outcome on it. graphile-worker runs
 * a job on one worker at a time and there is one job per row, so the status check below is what
 * keeps a retried job (the send worked, completing the job did not) from sending twice.
 * A failed attempt is recorded and rethrown for graphile-worker's backoff; the last one marks the row failed.
 */
export function sendEmailTask({ platform, transport, fromAddress, log, replyRouting }: SendEmailDeps) {
  return async (rawPayload: unknown, helpers: JobHelpers): Promise<void> => {
    const job = await openTenantJob(SEND_EMAIL_JOB, rawPayload, helpers, { platform, log });
    if (!job) return;
    const {
      payload: { emailId },
      tenant,
      handle: { db, t },
    } = job;
    const [row] = await db.select().from(t.outboundEmails).where(eq(t.outboundEmails.id, emailId));
    if (!row || row.status !== "pending") return;

    const stillPending = and(eq(t.outboundEmails.id, emailId), eq(t.outboundEmails.status, "pending"));
    let rawSource: string | null = null;
    try {
      rawSource =
        (await transport.send(outboundMessage(row, { name: tenant.name, address: fromAddress }, replyRouting && { ...replyRouting, tenant })))?.rawSource ??
        null;
    } catch (error) {
      const givingUp = helpers.job.attempts >= helpers.job.max_attempts;
      await db
        .update(t.outboundEmails)
        .set({ attempts: sql`${t.outboundEmails.attempts} + 1`, lastError: describeJobError(error), ...(givingUp ? { status: "failed" as const } : {}) })
        .where(stillPending);
      const fields = { tenant: tenant.slug, emailId, attempt: helpers.job.attempts, err: error };
      if (givingUp) log.error(fields, `email not sent after ${helpers.job.attempts} attempts; marked failed`);
      else log.warn(fields, "email not sent; will retry");
      throw error;
    }
    await recordSent(() =>
      db
        .update(t.outboundEmails)
        .set({ status: "sent", sentAt: sql`now()`, attempts: sql`${t.outboundEmails.attempts} + 1`, rawSource })
        .where(stillPending),
    ).catch((error) => {
      log.error({ tenant: tenant.slug, emailId, err: error }, "email sent, but marking it sent failed: a retry will send it again (same Message-ID)");
      throw error;
    });
    log.info({ tenant: tenant.slug, emailId, kind: row.kind, via: transport.kind }, "email sent");
  };
}

/**
 * The send is done and cannot be undone: a database hiccup must not turn it into a second send.
 * A lost connection (a restart, a failover) is waited out for up to about half a minute; any other
 * error gets three tries.
 */
async function recordSent(update: () => Promise<unknown>, { tries = 3, outageTries = 12 } = {}): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await update();
      return;
    } catch (error) {
      if (attempt >= (isDatabaseUnavailable(error) ? outageTries : tries)) throw error;
      await sleep(Math.min(attempt * 500, 4000));
    }
  }
}
