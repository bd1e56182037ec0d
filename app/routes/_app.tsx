import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { AppShell } from "~/components/app-shell";

export const handle = access("agent");

export function loader({ context }: LoaderFunctionArgs) {
  return { user: requireUser(context), workspaceName: context.tenant.name };
}

export default function AppLayout() {
  const { user, workspaceName } = useLoaderData<typeof loader>();
  return (
    <AppShell workspaceName={workspaceName} user={user}>
      <Outlet />
    </AppShell>
  );
}
