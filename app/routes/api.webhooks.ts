import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, created, parseQuery, readJsonBody } from "~/api/api-request.server";
import { newWebhookBody, noQuery } from "~/api/api-schemas";
import { webhookJson, webhookWithSecretJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { findWebhook } from "~/webhooks/webhook-api.server";
import { createWebhook, listWebhooks, revealWebhookSecret } from "~/webhooks/webhooks.server";

export const handle = access("admin");
const METHODS = ["GET", "POST"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  parseQuery(request, noQuery);
  return Response.json({ data: (await listWebhooks(context.db)).map(webhookJson) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  const input = await readJsonBody(request, newWebhookBody);
  const { sessionSecret } = context.services.auth;
  const id = await createWebhook(context.db, agentActor(user), { sessionSecret, outbound: context.services.outbound }, input);
  const [webhook, secret] = await Promise.all([findWebhook(context.db, id), revealWebhookSecret(context.db, sessionSecret, id)]);
  return created(`/api/webhooks/${id}`, webhookWithSecretJson(webhook, secret));
}
