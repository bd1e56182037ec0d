import type { LoaderFunctionArgs } from "@remix-run/node";
import { access } from "~/auth/access";
import { completeSsoSignIn } from "~/auth/sso-flow.server";

export const handle = access("public");

/** The identity provider sends the browser back here with the authorization code. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  return completeSsoSignIn(request, context);
}
