import { Link } from "@remix-run/react";
import type { StatusCategory } from "../../db/tenant-tables";
import { StatusBadge } from "./badges";
import { RelativeTime } from "./relative-time";

type CustomerTicket = { number: number; subject: string; status: string; statusCategory: StatusCategory; updatedAt: Date | string };

/** One customer's tickets, most recently updated first, each linking to the ticket. */
export function CustomerTicketList({ tickets }: { tickets: CustomerTicket[] }) {
  return (
    <div className="-mx-6 overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Tickets of this customer</caption>
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="py-2 pl-6 pr-3">
              Ticket
            </th>
            <th scope="col" className="px-3 py-2">
              Status
            </th>
            <th scope="col" className="py-2 pl-3 pr-6 text-right">
              Updated
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {tickets.map((ticket) => (
            <tr key={ticket.number} className="hover:bg-slate-50" data-testid="customer-ticket">
              <td className="py-3 pl-6 pr-3">
                <Link to={`/tickets/${ticket.number}`} className="group inline-flex min-w-0 items-baseline gap-2 rounded">
                  <span className="shrink-0 font-mono text-xs text-slate-500">#{ticket.number}</span>
                  <span className="font-medium text-slate-900 group-hover:text-brand-700 group-hover:underline">{ticket.subject}</span>
                </Link>
              </td>
              <td className="whitespace-nowrap px-3 py-3">
                <StatusBadge status={ticket.status} category={ticket.statusCategory} />
              </td>
              <td className="whitespace-nowrap py-3 pl-3 pr-6 text-right text-slate-600">
                <RelativeTime date={ticket.updatedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
