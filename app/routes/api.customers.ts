import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, created, parseQuery, readJsonBody } from "~/api/api-request.server";
import { customerListQuery, newCustomerBody } from "~/api/api-schemas";
import { customerJson, pageJson } from "~/api/serializers.server";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { createCustomer, listCustomers } from "~/customers/customers.server";

export const handle = access("agent");
const METHODS = ["GET", "POST"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  requireUser(context);
  const query = parseQuery(request, customerListQuery);
  return Response.json(pageJson(await listCustomers(context.db, query), customerJson));
}

export async function action({ request, context }: ActionFunctionArgs) {
  allowMethods(request, METHODS);
  const user = requireUser(context);
  const input = await readJsonBody(request, newCustomerBody);
  const customer = await createCustomer(context.db, agentActor(user), input);
  return created(`/api/customers/${customer.id}`, customerJson(customer));
}
