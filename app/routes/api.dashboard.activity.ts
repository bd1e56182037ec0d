import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery } from "~/api/api-request.server";
import { pageQuery } from "~/api/api-schemas";
import { activityJson, pageJson } from "~/api/serializers.server";
import { listActivity } from "~/activity/activity-feed.server";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";

export const handle = access("agent");
const METHODS = ["GET"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  const { limit, cursor } = parseQuery(request, pageQuery);
  return Response.json(pageJson(await listActivity(context.db, {}, { limit, cursor }), activityJson));
}

export function action({ request }: ActionFunctionArgs) {
  return allowMethods(request, METHODS);
}
