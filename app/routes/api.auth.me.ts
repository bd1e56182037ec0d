import type { LoaderFunctionArgs } from "@remix-run/node";
import { access } from "~/auth/access";
import { requireAuth } from "~/auth/guards.server";

export const handle = access("agent");

export function loader({ context }: LoaderFunctionArgs) {
  const auth = requireAuth(context);
  return Response.json({ user: auth.user, workspace: { slug: context.tenant.slug, name: context.tenant.name }, authenticatedWith: auth.via });
}
