import type { NextFunction, Request, Response } from "express";
import { resolveHost } from "../../tenancy/host";
import type { TenantDirectory } from "../../tenancy/tenant-registry";
import { trustedForwardedValue } from "../net/client-address.server";
import { landingPage, workspaceNotFoundPage, workspaceSuspendedPage } from "./static-pages.server";
import { asyncMiddleware } from "./async-middleware.server";

/**
 * Resolves the tenant from the Host header before Remix runs. The bare domain gets the landing
 * page, an unknown or malformed host a 404, a suspended workspace its own page: none of these
 * touches a tenant schema. Active tenants continue with `res.locals.tenant` set. Behind a trusted
 * proxy the host is the one it forwarded (X-Forwarded-Host).
 */
export function tenantResolution({ directory, appDomain }: { directory: TenantDirectory; appDomain: string }) {
  return asyncMiddleware(async function resolveTenant(req: Request, res: Response, next: NextFunction) {
    const host = trustedForwardedValue(req, "x-forwarded-host") ?? req.headers.host;
    const resolution = resolveHost(host, appDomain);
    if (resolution.kind === "apex") {
      if (req.method !== "GET" && req.method !== "HEAD") return res.status(405).set("Allow", "GET, HEAD").end();
      return res
        .status(req.path === "/" ? 200 : 404)
        .type("html")
        .send(landingPage(appDomain));
    }
    if (resolution.kind === "unknown") {
      return res
        .status(404)
        .type("html")
        .send(workspaceNotFoundPage(host ?? ""));
    }
    let tenant;
    try {
      tenant = await directory.lookup(resolution.slug);
    } catch (error) {
      return next(error);
    }
    if (!tenant || tenant.status === "provisioning" || tenant.status === "deleting") {
      return res
        .status(404)
        .type("html")
        .send(workspaceNotFoundPage(host ?? ""));
    }
    if (tenant.status === "suspended") {
      res.locals.tenantSlug = tenant.slug;
      return res.status(423).type("html").send(workspaceSuspendedPage(tenant.name));
    }
    res.locals.tenant = tenant;
    res.locals.tenantSlug = tenant.slug;
    next();
  });
}
