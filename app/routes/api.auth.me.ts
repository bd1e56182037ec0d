import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery } from "~/api/api-request.server";
import { noQuery } from "~/api/api-schemas";
import { memberJson } from "~/api/serializers.server";
import { access } from "~/auth/access";
import { requireAuth } from "~/auth/guards.server";

export const handle = access("agent");
const METHODS = ["GET"] as const;

export function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  parseQuery(request, noQuery);
  const auth = requireAuth(context);
  return Response.json({ user: memberJson(auth.user), workspace: { slug: context.tenant.slug, name: context.tenant.name }, authenticatedWith: auth.via });
}

export function action({ request }: ActionFunctionArgs) {
  return allowMethods(request, METHODS);
}
