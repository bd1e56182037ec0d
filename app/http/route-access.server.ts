import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type ServerBuild } from "@remix-run/node";
import { apiError } from "../api/api-error.server";
import { respondToRouteError } from "./route-errors.server";
import { isRouteAccess, type RouteAccess } from "../auth/access";
import { csrfTokenMatches, submittedCsrfToken } from "../auth/csrf.server";
import { fieldWithOversizedIndex, isFormContentType } from "./form-shape.server";

type DataFunction = (args: LoaderFunctionArgs | ActionFunctionArgs) => unknown;
type RouteModule = ServerBuild["routes"][string]["module"];

/**
 * Wraps every route's loader and action so the route's declared access is enforced before it runs,
 * for document and data requests alike, and so every state change by a browser session carries
 * its CSRF token. A route without a declaration fails closed. What a loader or action throws is
 * answered by respondToRouteError, the one place where errors become HTTP.
 */
export function secureServerBuild(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    routes[id] = { ...route, module: secureModule(id, route.module) };
  }
  return { ...build, routes };
}

function secureModule(routeId: string, module: RouteModule): RouteModule {
  const declared = (module.handle as { access?: unknown } | undefined)?.access;
  const guard = (fn: DataFunction | undefined, kind: "loader" | "action") => {
    if (!fn) return undefined;
    return async (args: LoaderFunctionArgs | ActionFunctionArgs) => {
      if (!isRouteAccess(declared)) throw new Error(`route ${routeId} declares no access level; export const handle = access(…)`);
      await enforceAccess(declared, args, kind);
      try {
        return await fn(args);
      } catch (error) {
        throw await respondToRouteError(error, args.context, { isApi: new URL(args.request.url).pathname.startsWith("/api/"), routeId });
      }
    };
  };
  return {
    ...module,
    loader: guard(module.loader, "loader"),
    action: guard(module.action, "action"),
  };
}

async function enforceAccess(level: RouteAccess, { request, context }: LoaderFunctionArgs, kind: "loader" | "action") {
  const url = new URL(request.url);
  const isApi = url.pathname.startsWith("/api/");
  const auth = context.auth;
  if (level !== "public") {
    if (!auth) {
      if (isApi) throw apiError(401, "unauthenticated", "Sign in, or send Authorization: Bearer <personal API token>.");
      throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
    }
    if (level === "admin" && auth.user.role !== "admin") {
      if (isApi) throw apiError(403, "forbidden", "Only admins may do this.");
      throw new Response("Only admins may open this page.", { status: 403 });
    }
  }
  if (kind === "action" && isFormContentType(request.headers.get("content-type"))) {
    const form = await request.clone().formData();
    if (fieldWithOversizedIndex(form.keys())) throw new Response("That form was not valid. Reload the page and try again.", { status: 400 });
  }
  if (kind === "action" && auth?.via === "session" && !csrfTokenMatches(auth.csrfToken, await submittedCsrfToken(request))) {
    if (isApi) throw apiError(403, "csrf_failed", "Missing or invalid CSRF token (send it in the X-CSRF-Token header).");
    throw new Response("This form has expired. Reload the page and try again.", { status: 403 });
  }
}
