import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { AppShell } from "~/components/app-shell";
import { usePollingRevalidation } from "~/hooks/use-polling-revalidation";
import { listTicketStatuses } from "~/ticket-statuses/ticket-statuses.server";
import { readTicketCounters, sidebarCounts } from "~/tickets/ticket-counters.server";

export const handle = access("agent");

export async function loader({ context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  const [counters, statuses] = await Promise.all([readTicketCounters(context.db), listTicketStatuses(context.db)]);
  return {
    user,
    workspaceName: context.tenant.name,
    ticketCounts: sidebarCounts(counters, user.id),
    /** Read by every screen below through useTicketStatuses(). */
    statuses,
    pollIntervalMs: context.services.ui.pollIntervalMs,
  };
}

export default function AppLayout() {
  const { user, workspaceName, ticketCounts, pollIntervalMs } = useLoaderData<typeof loader>();
  // One poller for the whole console: revalidating re-runs every loader on screen (single fetch).
  usePollingRevalidation(pollIntervalMs);
  return (
    <AppShell workspaceName={workspaceName} user={user} ticketCounts={ticketCounts}>
      <Outlet />
    </AppShell>
  );
}
