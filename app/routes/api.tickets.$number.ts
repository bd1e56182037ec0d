import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/api/api-error.server";
import { allowMethods, parseQuery, readJsonBody, ticketNumberParam } from "~/api/api-request.server";
import { noQuery, ticketChangesBody } from "~/api/api-schemas";
import { ticketJson, ticketVersionJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { TicketVersionConflict, updateTicket } from "~/tickets/ticket-commands.server";
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
  try {
    await updateTicket(context.db, agentActor(user), number, changes, version);
  } catch (error) {
    // The domain's conflict carries its whole locked row; the API promises the documented properties only.
    if (error instanceof TicketVersionConflict) throw apiError(409, error.code, error.message, { current: ticketVersionJson(error.current) });
    throw error;
  }
  return Response.json(ticketJson(await getTicket(context.db, number)));
}
