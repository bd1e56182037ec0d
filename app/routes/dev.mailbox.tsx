import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, NavLink, useLoaderData, useOutlet } from "@remix-run/react";
import { access } from "~/auth/access";
import { RelativeTime } from "~/components/relative-time";
import { listMailbox, requireDevMailbox } from "~/email/dev-mailbox.server";
import { usePollingRevalidation } from "~/hooks/use-polling-revalidation";

// Public on purpose: in the demo, customers read their sign-in code here. It exists only without SMTP_URL and outside production.
export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "Development mailbox · Conductor" }, { name: "robots", content: "noindex" }];

export async function loader({ context }: LoaderFunctionArgs) {
  requireDevMailbox(context.services);
  const emails = await listMailbox(context.db);
  return { emails, pollMs: context.services.ui.pollIntervalMs > 0 ? 5000 : 0 };
}

const STATUS_STYLES = { pending: "bg-amber-100 text-amber-900", sent: "bg-emerald-100 text-emerald-800", failed: "bg-rose-100 text-rose-800" } as const;

export default function DevMailbox() {
  const { emails, pollMs } = useLoaderData<typeof loader>();
  const outlet = useOutlet();
  usePollingRevalidation(pollMs);
  return (
    <div className="min-h-full bg-slate-50">
      <header className="bg-gradient-primary px-6 py-5 text-white">
        <h1 className="text-xl font-bold">Development mailbox</h1>
        <p className="mt-1 text-sm text-white/90">
          Every email Conductor would have sent from this workspace, kept here because no SMTP_URL is set: nothing leaves this machine. With SMTP_URL set, this
          page does not exist.
        </p>
      </header>
      <div className="mx-auto grid max-w-7xl grid-cols-1 gap-6 p-4 sm:p-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
        <section aria-labelledby="mailbox-list" className="rounded-2xl border border-slate-200 bg-white shadow-sm">
          <h2 id="mailbox-list" className="border-b border-slate-100 px-4 py-3 text-sm font-semibold text-slate-900">
            Outbox, newest first ({emails.length})
          </h2>
          {emails.length === 0 ? (
            <p className="px-4 py-6 text-sm text-slate-600">No emails yet. Submit a request in the portal or sign in there, and its email shows up here.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {emails.map((email) => (
                <li key={email.id} data-testid="mailbox-email">
                  <NavLink
                    to={`/dev/mailbox/${email.id}`}
                    className={({ isActive }) =>
                      `block px-4 py-3 text-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-500 ${isActive ? "bg-brand-500/10" : ""}`
                    }
                  >
                    <span className="flex items-start justify-between gap-3">
                      <span className="min-w-0 truncate font-medium text-slate-900">{email.subject}</span>
                      <span className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold ${STATUS_STYLES[email.status]}`}>{email.status}</span>
                    </span>
                    <span className="mt-0.5 flex justify-between gap-3 text-xs text-slate-600">
                      <span className="min-w-0 truncate">To {email.toName ? `${email.toName} <${email.toAddress}>` : email.toAddress}</span>
                      <span className="shrink-0">
                        <RelativeTime date={email.createdAt} />
                      </span>
                    </span>
                  </NavLink>
                </li>
              ))}
            </ul>
          )}
        </section>
        <div>
          {outlet ?? (
            <p className="rounded-2xl border border-dashed border-slate-300 p-6 text-sm text-slate-600">
              Choose an email to read it.{" "}
              <Link to="/portal" className="font-medium text-brand-700 hover:underline">
                Go to the portal
              </Link>
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
