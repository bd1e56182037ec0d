import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods } from "~/api/api-request.server";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { routeParam, rowIdParam } from "~/route-params";
import { sendTestDelivery } from "~/webhooks/webhooks.server";

// `[test]`: a file named *.test.ts would be taken for a test (remix.config.js ignores those).
export const handle = access("admin");
const METHODS = ["POST"] as const;

export function loader({ request }: LoaderFunctionArgs) {
  return allowMethods(request, METHODS);
}

/** Queues a `webhook.test` event to this webhook; 202, since the worker sends it. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const actor = agentActor(requireUser(context));
  const id = routeParam(rowIdParam, params.id, () => notFound("That webhook"));
  const deliveryId = await sendTestDelivery(context.db, actor, id);
  return Response.json({ deliveryId }, { status: 202 });
}
