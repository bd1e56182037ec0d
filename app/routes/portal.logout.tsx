import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { access } from "~/auth/access";
import { signOutCustomer } from "~/portal/customer-sessions.server";

export const handle = access("public");

export function loader() {
  return redirect("/portal");
}

export async function action({ request, context }: ActionFunctionArgs) {
  return redirect("/portal", { headers: { "Set-Cookie": await signOutCustomer(request, context) } });
}
