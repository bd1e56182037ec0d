import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalButtonLink } from "~/components/portal-shell";
import { PortalStatusBadge } from "~/components/portal-status-badge";
import { RelativeTime } from "~/components/relative-time";
import { requireCustomer } from "~/portal/customer-sessions.server";
import { listCustomerTickets } from "~/portal/portal-tickets.server";

export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "My requests" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const customer = await requireCustomer(request, context);
  return { email: customer.email, tickets: await listCustomerTickets(context.db, customer.id) };
}

export default function MyRequests() {
  const { email, tickets } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold text-slate-900">My requests</h1>
          <p className="mt-1 text-slate-600">Requests sent from {email}.</p>
        </div>
        <PortalButtonLink to="/portal/new">Submit a request</PortalButtonLink>
      </div>
      {tickets.length === 0 ? (
        <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
          <p className="font-semibold text-slate-900">No requests yet</p>
          <p className="mt-1 text-sm text-slate-600">When you send us a request, it shows up here with its status.</p>
        </div>
      ) : (
        <ul className="divide-y divide-slate-100 overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
          {tickets.map((ticket) => (
            <li key={ticket.number} data-testid="portal-ticket">
              <Link to={`/portal/tickets/${ticket.number}`} className="flex flex-wrap items-center justify-between gap-3 px-5 py-4 hover:bg-slate-50">
                <span className="min-w-0">
                  <span className="block font-semibold text-slate-900">
                    <span className="text-slate-500">#{ticket.number}</span> {ticket.subject}
                  </span>
                  <span className="block text-sm text-slate-500">
                    Updated <RelativeTime date={ticket.updatedAt} />
                  </span>
                </span>
                <PortalStatusBadge label={ticket.statusLabel} category={ticket.statusCategory} />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
