import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods } from "~/api/api-request.server";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { routeParam, rowIdParam } from "~/route-params";
import { redeliver } from "~/webhooks/webhooks.server";

export const handle = access("admin");
const METHODS = ["POST"] as const;

export function loader({ request }: LoaderFunctionArgs) {
  return allowMethods(request, METHODS);
}

/** Sends a finished delivery again (same `webhook-id`, fresh attempts); 202, since the worker sends it. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const actor = agentActor(requireUser(context));
  const id = routeParam(rowIdParam, params.id, () => notFound("That webhook"));
  const deliveryId = routeParam(rowIdParam, params.deliveryId, () => notFound("That delivery"));
  await redeliver(context.db, actor, id, deliveryId);
  return Response.json({ deliveryId }, { status: 202 });
}
