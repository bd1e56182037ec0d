import type { LoaderFunctionArgs } from "@remix-run/node";
import { AppError } from "~/app-error";
import { access } from "~/auth/access";
import { attachmentForCustomer, attachmentResponse, parseAttachmentParams } from "~/inbound/attachments.server";
import { requireCustomer } from "~/portal/customer-sessions.server";

export const handle = access("public");

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const customer = await requireCustomer(request, context);
  const target = parseAttachmentParams(params);
  if (!target) throw new AppError(404, "not_found", "We could not find that file.");
  return attachmentResponse(await attachmentForCustomer(context.db, customer.id, target.number, target.id));
}
