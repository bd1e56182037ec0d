import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods } from "~/api/api-request.server";
import { webhookWithSecretJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { routeParam, rowIdParam } from "~/route-params";
import { findWebhook } from "~/webhooks/webhook-api.server";
import { revealWebhookSecret, rotateWebhookSecret } from "~/webhooks/webhooks.server";

export const handle = access("admin");
const METHODS = ["POST"] as const;

export function loader({ request }: LoaderFunctionArgs) {
  return allowMethods(request, METHODS);
}

/** Rotates the signing secret and answers the new one: the API never reads a secret back otherwise. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const actor = agentActor(requireUser(context));
  const id = routeParam(rowIdParam, params.id, () => notFound("That webhook"));
  const { sessionSecret } = context.services.auth;
  await rotateWebhookSecret(context.db, actor, { sessionSecret }, id);
  const [webhook, secret] = await Promise.all([findWebhook(context.db, id), revealWebhookSecret(context.db, sessionSecret, id)]);
  return Response.json(webhookWithSecretJson(webhook, secret));
}
