import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { allowMethods, parseQuery } from "~/api/api-request.server";
import { noQuery } from "~/api/api-schemas";
import { openApiDocument } from "~/api/openapi.server";
import { access } from "~/auth/access";
import { sessionCookie } from "~/auth/session-cookie.server";

// Public so that client generators and API tools can fetch it; it describes the API, not any data.
export const handle = access("public");
const METHODS = ["GET"] as const;

export function loader({ request, context }: LoaderFunctionArgs) {
  allowMethods(request, METHODS);
  parseQuery(request, noQuery);
  return Response.json(openApiDocument(sessionCookie(context.services.auth).name));
}

export function action({ request }: ActionFunctionArgs) {
  return allowMethods(request, METHODS);
}
