import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery } from "~/api/api-request.server";
import { noQuery } from "~/api/api-schemas";
import { ticketStatusJson } from "~/api/serializers.server";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { listTicketStatuses } from "~/ticket-statuses/ticket-statuses.server";

export const handle = access("agent");
const METHODS = ["GET"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  parseQuery(request, noQuery);
  return Response.json({ data: (await listTicketStatuses(context.db)).map(ticketStatusJson) });
}

export function action({ request }: ActionFunctionArgs) {
  return allowMethods(request, METHODS);
}
