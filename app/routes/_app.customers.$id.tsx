import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useOutlet } from "@remix-run/react";
import { format } from "date-fns";
import { listActivity } from "~/activity/activity-feed.server";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { ActivityList } from "~/components/activity-list";
import { CustomerAvatar } from "~/components/customer-avatar";
import { CustomerTicketList } from "~/components/customer-ticket-list";
import { PanelErrorBoundary } from "~/components/route-error";
import { getCustomer } from "~/customers/customers.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";
import { listTickets } from "~/tickets/ticket-list.server";
import { ticketFiltersSchema } from "~/tickets/ticket-schemas";

export const handle = access("agent");
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.customer.name} · Customers · Conductor` : "Customer · Conductor" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  // Anything but a plain id is "not found", like an id of another workspace: no hint either way.
  const id = routeParam(rowIdParam, params.id, () => notFound("That customer"));
  const customer = await getCustomer(context.db, id);
  const [tickets, activity] = await Promise.all([
    listTickets(context.db, { ...ticketFiltersSchema.parse({ status: "all" }), customer: id }, user.id, 20),
    listActivity(context.db, { customerId: id }, { limit: 20 }),
  ]);
  return {
    customer,
    tickets: tickets.items.map(({ number, subject, status, statusCategory, updatedAt }) => ({ number, subject, status, statusCategory, updatedAt })),
    moreTickets: tickets.nextCursor !== null,
    activity: activity.items,
  };
}

const card = "overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm";

export default function CustomerDetail() {
  const { customer, tickets, moreTickets, activity } = useLoaderData<typeof loader>();
  const editing = useOutlet();
  const newTicketHref = `/tickets/new?customer=${customer.id}`;
  return (
    <div className="mx-auto max-w-6xl space-y-6">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link to="/customers" className="font-medium text-brand-700 hover:underline">
          Customers
        </Link>
      </nav>

      <header className={card}>
        <div className="h-1.5 bg-gradient-primary" />
        <div className="flex flex-wrap items-center justify-between gap-4 p-6">
          <div className="flex min-w-0 items-center gap-4">
            <CustomerAvatar name={customer.name} size="lg" />
            <div className="min-w-0">
              <h1 className="break-words text-2xl font-bold text-slate-900">{customer.name}</h1>
              <p className="mt-0.5 break-all text-slate-600">
                {customer.company ? <span className="font-medium text-slate-800">{customer.company} · </span> : null}
                {customer.email}
              </p>
            </div>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            {editing ? null : (
              <Link
                to={`/customers/${customer.id}/edit`}
                className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 hover:bg-slate-50"
              >
                Edit details
              </Link>
            )}
            <Link to={newTicketHref} className="rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow hover:brightness-110">
              New ticket for this customer
            </Link>
          </div>
        </div>
      </header>

      {editing ? (
        <section aria-labelledby="edit-heading" className={`${card} p-6`}>
          <h2 id="edit-heading" className="text-lg font-semibold text-slate-900">
            Edit details
          </h2>
          <div className="mt-5">{editing}</div>
        </section>
      ) : null}

      <div className="grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <section aria-labelledby="tickets-heading" className={`${card} p-6 lg:self-start`}>
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="tickets-heading" className="text-lg font-semibold text-slate-900">
              Tickets
            </h2>
            <p className="text-sm text-slate-600">
              <span className="font-semibold tabular-nums text-slate-900">{customer.unsolvedTickets}</span> unsolved
            </p>
          </div>
          <div className="mt-4">
            {tickets.length === 0 ? (
              <div className="rounded-xl border border-dashed border-slate-300 px-6 py-10 text-center">
                <p className="font-semibold text-slate-900">No tickets yet</p>
                <p className="mt-1 text-sm text-slate-600">{customer.name} has not written in, and no one has opened a ticket for them.</p>
                <Link to={newTicketHref} className="mt-4 inline-block text-sm font-semibold text-brand-700 hover:underline">
                  Open a ticket for them
                </Link>
              </div>
            ) : (
              <>
                <CustomerTicketList tickets={tickets} />
                {moreTickets ? (
                  <p className="mt-4 text-sm">
                    <Link
                      to={`/tickets?${new URLSearchParams({ customer: String(customer.id), status: "all" })}`}
                      className="font-semibold text-brand-700 hover:underline"
                    >
                      All tickets of {customer.name}
                    </Link>
                  </p>
                ) : null}
              </>
            )}
          </div>
        </section>

        <div className="space-y-6">
          {editing ? null : (
            <section aria-labelledby="details-heading" className={`${card} p-6`}>
              <h2 id="details-heading" className="text-lg font-semibold text-slate-900">
                Details
              </h2>
              <dl className="mt-4 space-y-3 text-sm" data-testid="customer-details">
                <Detail term="Email">
                  <a href={`mailto:${customer.email}`} className="break-all text-brand-700 hover:underline">
                    {customer.email}
                  </a>
                </Detail>
                <Detail term="Company">{customer.company ?? <span className="text-slate-500">Not set</span>}</Detail>
                <Detail term="Phone">
                  {customer.phone ? (
                    <a href={`tel:${customer.phone.replace(/[^\d+]/g, "")}`} className="text-brand-700 hover:underline">
                      {customer.phone}
                    </a>
                  ) : (
                    <span className="text-slate-500">Not set</span>
                  )}
                </Detail>
                <Detail term="Customer since">
                  <time dateTime={new Date(customer.createdAt).toISOString()} suppressHydrationWarning>
                    {format(new Date(customer.createdAt), "d MMM yyyy")}
                  </time>
                </Detail>
              </dl>
            </section>
          )}
          <section aria-labelledby="activity-heading" className={`${card} p-6`}>
            <h2 id="activity-heading" className="text-lg font-semibold text-slate-900">
              Activity
            </h2>
            <div className="mt-4" data-testid="customer-activity">
              <ActivityList items={activity} emptyText="Nothing has happened with this customer yet." />
            </div>
          </section>
        </div>
      </div>
    </div>
  );
}

function Detail({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[7rem_minmax(0,1fr)] gap-2">
      <dt className="text-slate-500">{term}</dt>
      <dd className="text-slate-900">{children}</dd>
    </div>
  );
}

export const ErrorBoundary = PanelErrorBoundary;
