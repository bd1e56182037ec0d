import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { CustomerAvatar } from "~/components/customer-avatar";
import { EmptyState, PageHeader } from "~/components/page-header";
import { RelativeTime } from "~/components/relative-time";
import { PanelErrorBoundary } from "~/components/route-error";
import { customerListSchema } from "~/customers/customer-schemas";
import { listCustomers } from "~/customers/customers.server";

export const handle = access("agent");
export const meta: MetaFunction = () => [{ title: "Customers · Conductor" }];

const PAGE_SIZE = 25;

export async function loader({ request, context }: LoaderFunctionArgs) {
  requireUser(context);
  const { q, cursor } = customerListSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await listCustomers(context.db, { q, cursor: cursor || undefined, limit: PAGE_SIZE });
  return { q: q ?? "", paged: Boolean(cursor), ...page };
}

const listHref = (params: { q: string; cursor?: string }) => {
  const search = new URLSearchParams();
  if (params.q) search.set("q", params.q);
  if (params.cursor) search.set("cursor", params.cursor);
  const query = search.toString();
  return query ? `/customers?${query}` : "/customers";
};

export default function Customers() {
  const { q, paged, items, nextCursor } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader
        title="Customers"
        description="Everyone who has written to your team, or whom you added by hand."
        actions={
          <Link to="/customers/new" className="rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow hover:brightness-110">
            New customer
          </Link>
        }
      />

      <Form method="get" role="search" aria-label="Search customers" className="mb-6 flex flex-col gap-2 sm:flex-row sm:items-center">
        <label htmlFor="customer-search" className="sr-only">
          Search customers by name, email or company
        </label>
        <input
          id="customer-search"
          key={q}
          name="q"
          type="search"
          defaultValue={q}
          maxLength={200}
          placeholder="Search by name, email or company"
          className="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 sm:max-w-md"
        />
        <div className="flex gap-2">
          <button type="submit" className="rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow hover:brightness-110">
            Search
          </button>
          {q ? (
            <Link to="/customers" className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 hover:bg-slate-50">
              Clear
            </Link>
          ) : null}
        </div>
      </Form>

      {items.length === 0 ? (
        <NoCustomers q={q} paged={paged} />
      ) : (
        <section aria-labelledby="customers-heading" className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
          <div className="h-1.5 bg-gradient-primary" />
          <h2 id="customers-heading" className="px-6 pb-1 pt-4 text-sm font-medium text-slate-600">
            {q ? (
              <>
                Best matches for <span className="font-semibold text-slate-900">“{q}”</span>
              </>
            ) : (
              "All customers, by name"
            )}
          </h2>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pl-6 pr-3">
                    Customer
                  </th>
                  <th scope="col" className="hidden px-3 py-2 sm:table-cell">
                    Company
                  </th>
                  <th scope="col" className="py-2 pl-3 pr-6 text-right md:pr-3">
                    Unsolved tickets
                  </th>
                  <th scope="col" className="hidden py-2 pl-3 pr-6 text-right md:table-cell">
                    Added
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {items.map((customer) => (
                  <tr key={customer.id} className="hover:bg-slate-50" data-testid="customer-row">
                    <td className="py-3 pl-6 pr-3">
                      <div className="flex items-center gap-3">
                        <CustomerAvatar name={customer.name} />
                        <div className="min-w-0">
                          <Link to={`/customers/${customer.id}`} className="font-semibold text-slate-900 hover:text-brand-700 hover:underline">
                            {customer.name}
                          </Link>
                          <p className="break-all text-slate-600">{customer.email}</p>
                          {customer.company ? <p className="text-slate-600 sm:hidden">{customer.company}</p> : null}
                        </div>
                      </div>
                    </td>
                    <td className="hidden px-3 py-3 text-slate-700 sm:table-cell">{customer.company ?? <span className="text-slate-500">—</span>}</td>
                    <td className="py-3 pl-3 pr-6 text-right md:pr-3">
                      <span
                        className={`inline-flex min-w-8 justify-center rounded-full px-2 py-0.5 text-xs font-semibold tabular-nums ${
                          customer.unsolvedTickets > 0 ? "bg-gradient-primary text-white" : "bg-slate-100 text-slate-600"
                        }`}
                      >
                        {customer.unsolvedTickets}
                      </span>
                    </td>
                    <td className="hidden whitespace-nowrap py-3 pl-3 pr-6 text-right text-slate-600 md:table-cell">
                      <RelativeTime date={customer.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {nextCursor || paged ? (
            <nav aria-label="Pages" className="flex items-center justify-between gap-3 border-t border-slate-100 px-6 py-3 text-sm">
              {paged ? (
                <Link to={listHref({ q })} className="rounded-lg px-3 py-1.5 font-semibold text-slate-700 hover:bg-slate-100">
                  First page
                </Link>
              ) : (
                <span />
              )}
              {nextCursor ? (
                <Link
                  to={listHref({ q, cursor: nextCursor })}
                  rel="next"
                  className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 font-semibold text-slate-800 hover:bg-slate-50"
                >
                  Next page
                </Link>
              ) : null}
            </nav>
          ) : null}
        </section>
      )}
    </div>
  );
}

function NoCustomers({ q, paged }: { q: string; paged: boolean }) {
  if (paged) {
    return (
      <EmptyState title="No more customers">
        <Link to={listHref({ q })} className="font-medium text-brand-700 hover:underline">
          Back to the first page
        </Link>
      </EmptyState>
    );
  }
  if (q) {
    return (
      <EmptyState title={`No customers match “${q}”`}>
        <p>Check the spelling, or search for part of an email address or a company.</p>
        <p className="mt-3">
          <Link to="/customers" className="font-medium text-brand-700 hover:underline">
            Show all customers
          </Link>
        </p>
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No customers yet">
      <p>Customers appear here when they write in, or when you add them.</p>
      <p className="mt-4">
        <Link to="/customers/new" className="inline-block rounded-lg bg-gradient-primary px-4 py-2 font-semibold text-white shadow hover:brightness-110">
          Add your first customer
        </Link>
      </p>
    </EmptyState>
  );
}

export const ErrorBoundary = PanelErrorBoundary;
