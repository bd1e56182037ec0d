import type { ServerBuild } from "@remix-run/node";
import { matchRoutes } from "@remix-run/react";
import type { NextFunction, Request, Response } from "express";
import { processMetrics } from "./process-metrics.server";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** A request answered by a middleware before Remix (tenant 404, rate limit, refusals); static files are `static` (create-express-app). */
const NO_ROUTE = "none";
/** A path no route matches: Remix answers 404 from the root's boundary. */
const UNMATCHED_ROUTE = "unmatched";

/**
 * Times every request into conductor_http_request_duration_seconds. The route label is the id of the
 * Remix route that answered (set by `routeIdFor` before Remix runs), an Express route's fixed path
 * (`/healthz`), or a fixed word: never the raw path, which carries ids and numbers.
 */
export function httpMetrics() {
  const { httpRequestDuration } = processMetrics();
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpRequestDuration.observe(
        {
          method: METHODS.has(req.method) ? req.method : "other",
          route: routeLabel(req, res),
          // A response cut short (the client went away, the socket failed) is not a status the client saw.
          status_class: res.writableFinished ? `${Math.floor(res.statusCode / 100)}xx` : "aborted",
        },
        seconds,
      );
    });
    next();
  };
}

function routeLabel(req: Request, res: Response): string {
  const remixRoute = res.locals.metricsRoute as string | undefined;
  if (remixRoute) return remixRoute;
  const expressRoute = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof expressRoute === "string") return expressRoute;
  return NO_ROUTE;
}

type RouteNode = { id: string; path?: string; index?: boolean; caseSensitive?: boolean; children: RouteNode[] };

/**
 * The id of the route that answers a request, as Remix matches it: the deepest route of the path
 * (single fetch's `/x.data` and `/_root.data` are the page `/x` and `/`); an action without `?index`
 * goes to the parent of an index route, as in Remix.
 */
export function routeIdFor(build: Pick<ServerBuild, "routes">) {
  const nodes = new Map<string, RouteNode>();
  for (const route of Object.values(build.routes))
    nodes.set(route.id, { id: route.id, path: route.path, index: route.index, caseSensitive: route.caseSensitive, children: [] });
  const roots: RouteNode[] = [];
  for (const route of Object.values(build.routes)) {
    const node = nodes.get(route.id)!;
    const parent = route.parentId ? nodes.get(route.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return (method: string, url: URL): string => {
    let pathname = url.pathname;
    if (pathname === "/_root.data") pathname = "/";
    else if (pathname.endsWith(".data")) pathname = pathname.slice(0, -".data".length) || "/";
    // Index routes have no children (Remix refuses them), which the route objects' type insists on.
    const matches = matchRoutes(roots as Parameters<typeof matchRoutes>[0], pathname);
    if (!matches?.length) return UNMATCHED_ROUTE;
    let leaf = matches[matches.length - 1]!.route as RouteNode;
    const isAction = method !== "GET" && method !== "HEAD";
    if (isAction && leaf.index && !url.searchParams.has("index") && matches.length > 1) leaf = matches[matches.length - 2]!.route as RouteNode;
    return leaf.id;
  };
}
