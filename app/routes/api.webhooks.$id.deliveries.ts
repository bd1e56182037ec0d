import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery } from "~/api/api-request.server";
import { pageQuery } from "~/api/api-schemas";
import { pageJson, webhookDeliveryJson } from "~/api/serializers.server";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { routeParam, rowIdParam } from "~/route-params";
import { deliveryPage } from "~/webhooks/webhook-api.server";

export const handle = access("admin");
const METHODS = ["GET"] as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  const id = routeParam(rowIdParam, params.id, () => notFound("That webhook"));
  const query = parseQuery(request, pageQuery);
  return Response.json(pageJson(await deliveryPage(context.db, id, query), webhookDeliveryJson));
}

export function action({ request }: ActionFunctionArgs) {
  return allowMethods(request, METHODS);
}
