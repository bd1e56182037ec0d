import { sql } from "drizzle-orm";
import type { NextFunction, Request, Response as ExpressResponse } from "express";
import type { TenantDatabase } from "../../tenancy/connection-router";
import type { ControlDatabase } from "../../tenancy/control-plane";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { findTenantById } from "../../tenancy/tenant-registry";
import { DATABASE_RETRY_AFTER_SECONDS } from "../../db/connection-errors";
import { apiError } from "../api/api-error.server";
import { unavailablePage, workspaceNotFoundPage } from "./static-pages.server";
import { isApiRequest } from "./request-path.server";

/** undefined_table and invalid_schema_name: what a schema-qualified query meets when the schema is gone. */
const MISSING_OBJECT_CODES = new Set(["42P01", "3F000"]);

const RETRY_AFTER_SECONDS = String(DATABASE_RETRY_AFTER_SECONDS);

/** Does PostgreSQL's error name an object of this tenant's schema as missing? (drizzle wraps it in `cause`.) */
function namesMissingObjectIn(error: unknown, schemaName: string): boolean {
  for (let current = error, depth = 0; typeof current === "object" && current !== null && depth < 4; depth += 1) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && MISSING_OBJECT_CODES.has(code)) {
      return typeof message === "string" && (message.includes(`"${schemaName}.`) || message.includes(`"${schemaName}"`));
    }
    current = cause;
  }
  return false;
}

/**
 * Every tenant query names its schema, so a request routed with a record whose schema is gone
 * (the workspace was dropped while the request ran, or the record is stale) fails instead of
 * reading anything else. This says what to answer then: 404 when the workspace is gone or going,
 * 503 while it still exists (its registry row moved on; the next request is routed afresh), and
 * null when the schema is in fact there, so a missing table stays the bug it is.
 */
export async function missingTenantSchemaStatus(
  error: unknown,
  { tenant, tenantDb, control }: { tenant: TenantRecord; tenantDb: TenantDatabase; control: ControlDatabase },
): Promise<404 | 503 | null> {
  if (!namesMissingObjectIn(error, tenant.schemaName)) return null;
  try {
    const current = await findTenantById(control, tenant.id);
    if (!current || current.status === "deleting" || current.status === "provisioning") return 404;
    if (current.shard !== tenant.shard || current.schemaName !== tenant.schemaName) return 503;
    const { rows } = await tenantDb.execute<{ present: boolean }>(
      sql`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${tenant.schemaName}) AS present`,
    );
    return rows[0]?.present ? null : 503;
  } catch {
    return 503;
  }
}

const WORKSPACE_GONE = "This workspace does not exist any more.";
const WORKSPACE_CHANGING = "This workspace is being changed right now. Try again shortly.";

/** For route loaders and actions: the Response to throw instead of the error, or null to leave it alone. */
export async function missingTenantSchemaResponse(
  error: unknown,
  { tenant, db, services, requestId }: { tenant: TenantRecord; db: { db: TenantDatabase }; services: { control: ControlDatabase }; requestId: string },
  isApi: boolean,
): Promise<Response | null> {
  if (!tenant) return null;
  const status = await missingTenantSchemaStatus(error, { tenant, tenantDb: db.db, control: services.control });
  if (status === null) return null;
  const retry = status === 503 ? { "Retry-After": RETRY_AFTER_SECONDS } : undefined;
  if (isApi) {
    return status === 404
      ? apiError(404, "workspace_not_found", WORKSPACE_GONE, { requestId })
      : apiError(503, "unavailable", WORKSPACE_CHANGING, { requestId }, retry);
  }
  return new Response(status === 404 ? WORKSPACE_GONE : WORKSPACE_CHANGING, { status, headers: retry });
}

/** The same answer for the middleware before Remix (session and token look-ups), as an Express error handler. */
export function missingTenantSchemaHandler(platform: Pick<Platform, "control" | "router">) {
  return (error: unknown, req: Request, res: ExpressResponse, next: NextFunction) => {
    const tenant = res.locals.tenant as TenantRecord | undefined;
    if (!tenant || res.headersSent) return next(error);
    missingTenantSchemaStatus(error, { tenant, tenantDb: platform.router.forTenant(tenant).db, control: platform.control.db }).then(
      (status) => {
        if (status === null) return next(error);
        req.log?.warn({ err: error, tenant: tenant.slug, status }, "request routed to a tenant schema that is gone");
        if (isApiRequest(res)) {
          const requestId = String(req.id);
          return status === 404
            ? res.status(404).json({ error: { code: "workspace_not_found", message: WORKSPACE_GONE, details: { requestId } } })
            : res
                .status(503)
                .set("Retry-After", RETRY_AFTER_SECONDS)
                .json({ error: { code: "unavailable", message: WORKSPACE_CHANGING, details: { requestId } } });
        }
        if (status === 404)
          return res
            .status(404)
            .type("html")
            .send(workspaceNotFoundPage(req.headers.host ?? ""));
        return res.status(503).set("Retry-After", RETRY_AFTER_SECONDS).type("html").send(unavailablePage());
      },
      () => next(error),
    );
  };
}
