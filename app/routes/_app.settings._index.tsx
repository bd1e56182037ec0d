import { redirect } from "@remix-run/node";
import { access } from "~/auth/access";

export const handle = access("agent");

export function loader() {
  return redirect("/settings/profile");
}
