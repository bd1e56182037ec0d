import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { access } from "~/auth/access";
import { beginSsoSignIn } from "~/auth/sso-flow.server";

export const handle = access("public");

/** Starts single sign-on: redirects to the workspace's identity provider. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  if (context.auth) throw redirect("/dashboard");
  return beginSsoSignIn(request, context);
}
