import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, created, parseQuery, readJsonBody } from "~/api/api-request.server";
import { newTicketBody, ticketListQuery } from "~/api/api-schemas";
import { pageJson, ticketJson, ticketSummaryJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { createTicket } from "~/tickets/ticket-commands.server";
import { getTicket } from "~/tickets/ticket-detail.server";
import { listTickets } from "~/tickets/ticket-list.server";

export const handle = access("agent");
const METHODS = ["GET", "POST"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  const { limit, ...filters } = parseQuery(request, ticketListQuery);
  return Response.json(pageJson(await listTickets(context.db, filters, user.id, limit), ticketSummaryJson));
}

export async function action({ request, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  const { customerId, customer, ...input } = await readJsonBody(request, newTicketBody);
  const { number } = await createTicket(
    context.db,
    agentActor(user),
    { ...input, customer: customerId !== undefined ? { id: customerId } : customer!, channel: "api" },
    { origin: context.services.mail.originFor(context.tenant) },
  );
  return created(`/api/tickets/${number}`, ticketJson(await getTicket(context.db, number)));
}
