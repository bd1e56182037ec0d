import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, created, parseQuery, readJsonBody, ticketNumberParam } from "~/api/api-request.server";
import { newMessageBody, pageQuery } from "~/api/api-schemas";
import { messageJson, pageJson, pageOf } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { addMessage } from "~/tickets/ticket-commands.server";
import { getTicket, listTicketMessages } from "~/tickets/ticket-detail.server";

export const handle = access("agent");
const METHODS = ["GET", "POST"] as const;

/** Only team members reach /api, so the thread includes internal notes (flagged `internal`). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  const number = ticketNumberParam(params.number);
  const { limit, cursor } = parseQuery(request, pageQuery);
  const ticket = await getTicket(context.db, number);
  const thread = await listTicketMessages(context.db, ticket.id, { includeInternal: true });
  return Response.json(pageJson(pageOf(thread, { cursor, limit }), messageJson));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  const number = ticketNumberParam(params.number);
  const { body, internal = false } = await readJsonBody(request, newMessageBody);
  const message = await addMessage(context.db, agentActor(user), number, { body, internal }, { origin: new URL(request.url).origin });
  return created(`/api/tickets/${number}/messages`, messageJson({ ...message, authorType: "agent", authorName: user.name, internal, body }));
}
