import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery } from "~/api/api-request.server";
import { noQuery } from "~/api/api-schemas";
import { dashboardStatsJson } from "~/api/serializers.server";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { dashboardStats } from "~/dashboard/dashboard-stats.server";

export const handle = access("agent");
const METHODS = ["GET"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  parseQuery(request, noQuery);
  return Response.json(dashboardStatsJson(await dashboardStats(context.db, user.id)));
}

export function action({ request }: ActionFunctionArgs) {
  return allowMethods(request, METHODS);
}
