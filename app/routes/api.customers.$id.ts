import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, customerIdParam, parseQuery, readJsonBody } from "~/api/api-request.server";
import { customerChangesBody, noQuery } from "~/api/api-schemas";
import { customerJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { getCustomer, updateCustomer } from "~/customers/customers.server";

export const handle = access("agent");
const METHODS = ["GET", "PATCH"] as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  const id = customerIdParam(params.id);
  parseQuery(request, noQuery);
  return Response.json(customerJson(await getCustomer(context.db, id)));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  const id = customerIdParam(params.id);
  const changes = await readJsonBody(request, customerChangesBody);
  return Response.json(customerJson(await updateCustomer(context.db, agentActor(user), id, changes)));
}
