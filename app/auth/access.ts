/**
 * Every route module declares who may use it: `export const handle = access("agent")`.
 * The server build is wrapped so that loaders and actions enforce it (route-access.server.ts),
 * and a test fails for any route without a declaration.
 */
export const ACCESS_LEVELS = ["public", "agent", "admin"] as const;
export type RouteAccess = (typeof ACCESS_LEVELS)[number];
export type AccessHandle = { access: RouteAccess };

export function access(level: RouteAccess): AccessHandle {
  return { access: level };
}

export function isRouteAccess(value: unknown): value is RouteAccess {
  return typeof value === "string" && (ACCESS_LEVELS as readonly string[]).includes(value);
}
