import type { JobHelpers } from "graphile-worker";
import type { Logger } from "pino";
import type * as z from "zod";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { findTenantById } from "../../tenancy/tenant-registry";

type TenantJobDeps = { platform: Pick<Platform, "control" | "router">; log: Pick<Logger, "warn" | "error"> };

/**
 * The start of every per-tenant job: its payload parsed, its tenant looked up. Null when the job is
 * to be dropped (logged): a malformed payload would fail on every retry, and the tenant of a job
 * may have been dropped since the job was queued.
 */
export async function openTenantJob<Payload extends { tenantId: string }>(
  job: { task: string; subject: string; payloadSchema: z.ZodType<Payload> },
  rawPayload: unknown,
  helpers: JobHelpers,
  { platform, log }: TenantJobDeps,
): Promise<{ payload: Payload; tenant: TenantRecord; handle: TenantHandle } | null> {
  const parsed = job.payloadSchema.safeParse(rawPayload);
  if (!parsed.success) {
    log.error({ jobId: helpers.job.id, payload: rawPayload }, `${job.task} job with a malformed payload dropped`);
    return null;
  }
  const tenant = await findTenantById(platform.control.db, parsed.data.tenantId);
  if (!tenant || tenant.status === "deleting") {
    const fields: Record<string, unknown> = { ...parsed.data };
    log.warn(fields, `${job.subject} of a tenant that no longer exists dropped`);
    return null;
  }
  return { payload: parsed.data, tenant, handle: platform.router.forTenant(tenant) };
}

/** What a failed attempt stores on its row: the error's message, cut to the column's 1000 characters. */
export function describeJobError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}
