import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery, readJsonBody, type ApiMethod } from "~/api/api-request.server";
import { noQuery, webhookChangesBody } from "~/api/api-schemas";
import { webhookJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { routeParam, rowIdParam } from "~/route-params";
import { changeWebhook, findWebhook } from "~/webhooks/webhook-api.server";
import { deleteWebhook } from "~/webhooks/webhooks.server";

export const handle = access("admin");
const METHODS = ["GET", "PATCH", "DELETE"] as const satisfies readonly ApiMethod[];

const webhookIdParam = (value: string | undefined) => routeParam(rowIdParam, value, () => notFound("That webhook"));

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  const id = webhookIdParam(params.id);
  parseQuery(request, noQuery);
  return Response.json(webhookJson(await findWebhook(context.db, id)));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const actor = agentActor(requireUser(context));
  const id = webhookIdParam(params.id);
  if (request.method.toUpperCase() === "DELETE") {
    await deleteWebhook(context.db, actor, id);
    return new Response(null, { status: 204 });
  }
  const changes = await readJsonBody(request, webhookChangesBody);
  await changeWebhook(context.db, actor, { sessionSecret: context.services.auth.sessionSecret, outbound: context.services.outbound }, id, changes);
  return Response.json(webhookJson(await findWebhook(context.db, id)));
}
