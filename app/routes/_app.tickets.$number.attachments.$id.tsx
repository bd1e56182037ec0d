import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { attachmentForAgent, attachmentResponse } from "~/inbound/attachments.server";
import { routeParam, rowIdParam, ticketNumberParam } from "~/http/route-params.server";

export const handle = access("agent");

export async function loader({ params, context }: LoaderFunctionArgs) {
  const missing = () => notFound("That attachment");
  return attachmentResponse(
    await attachmentForAgent(context.db, routeParam(ticketNumberParam, params.number, missing), routeParam(rowIdParam, params.id, missing)),
  );
}
