import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery, readJsonBody, ticketNumberParam } from "~/api/api-request.server";
import { noQuery, ticketChangesBody } from "~/api/api-schemas";
import { ticketJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { updateTicket } from "~/tickets/ticket-commands.server";
import { getTicket } from "~/tickets/ticket-detail.server";

export const handle = access("agent");
const METHODS = ["GET", "PATCH"] as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  const number = ticketNumberParam(params.number);
  parseQuery(request, noQuery);
  return Response.json(ticketJson(await getTicket(context.db, number)));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  const number = ticketNumberParam(params.number);
  const { version, ...changes } = await readJsonBody(request, ticketChangesBody);
  await updateTicket(context.db, agentActor(user), number, changes, version, { origin: context.services.mail.originFor(context.tenant) });
  return Response.json(ticketJson(await getTicket(context.db, number)));
}
