import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { access } from "~/auth/access";
import { sessionCookie } from "~/auth/session-cookie.server";
import { signOut } from "~/auth/sign-out.server";

export const handle = access("agent");

export async function action({ context }: ActionFunctionArgs) {
  await signOut(context);
  return redirect("/login", { headers: { "Set-Cookie": await sessionCookie(context.services.auth).serialize("", { maxAge: 0 }) } });
}
