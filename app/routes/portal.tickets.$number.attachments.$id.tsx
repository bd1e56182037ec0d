import type { LoaderFunctionArgs } from "@remix-run/node";
import { AppError } from "~/app-error";
import { access } from "~/auth/access";
import { attachmentForCustomer, attachmentResponse } from "~/inbound/attachments.server";
import { requireCustomer } from "~/portal/customer-sessions.server";
import { routeParam, rowIdParam, ticketNumberParam } from "~/http/route-params.server";

export const handle = access("public");

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const customer = await requireCustomer(request, context);
  const missing = () => new AppError("not_found", "We could not find that file.");
  return attachmentResponse(
    await attachmentForCustomer(context.db, customer.id, routeParam(ticketNumberParam, params.number, missing), routeParam(rowIdParam, params.id, missing)),
  );
}
