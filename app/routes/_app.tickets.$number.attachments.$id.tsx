import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { attachmentForAgent, attachmentResponse, parseAttachmentParams } from "~/inbound/attachments.server";

export const handle = access("agent");

export async function loader({ params, context }: LoaderFunctionArgs) {
  const target = parseAttachmentParams(params);
  if (!target) throw notFound("That attachment");
  return attachmentResponse(await attachmentForAgent(context.db, target.number, target.id));
}
