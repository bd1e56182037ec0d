import { Link } from "@remix-run/react";
import { access } from "~/auth/access";
import { PortalErrorBoundary } from "~/components/portal-error";
import { usePortalLayout } from "~/components/portal-shell";

export const handle = access("public");

export default function PortalHome() {
  const data = usePortalLayout();
  const workspace = data?.branding.workspace ?? "Our";
  return (
    <div className="space-y-8">
      <section>
        <h1 className="text-3xl font-bold text-slate-900">How can {workspace} help?</h1>
        <p className="mt-2 text-lg text-slate-600">Send us a request and follow the answers here or by email.</p>
      </section>
      <div className="grid gap-6 md:grid-cols-2">
        <Link to="/portal/new" className="group rounded-2xl border border-slate-200 bg-white p-6 shadow-sm transition hover:-translate-y-0.5 hover:shadow-md">
          <span aria-hidden className="mb-4 block h-1.5 w-12 rounded-full [background-image:var(--portal-header)]" />
          <h2 className="text-xl font-semibold text-slate-900">Submit a request</h2>
          <p className="mt-2 text-slate-600">Tell us what you need. We confirm by email with a request number.</p>
          <span className="mt-4 inline-block font-medium text-slate-900 group-hover:underline">Write to us →</span>
        </Link>
        <Link
          to="/portal/tickets"
          className="group rounded-2xl border border-slate-200 bg-white p-6 shadow-sm transition hover:-translate-y-0.5 hover:shadow-md"
        >
          <span aria-hidden className="mb-4 block h-1.5 w-12 rounded-full [background-image:var(--portal-header)]" />
          <h2 className="text-xl font-semibold text-slate-900">My requests</h2>
          <p className="mt-2 text-slate-600">Sign in with a code we email you, see the status of your requests and reply.</p>
          <span className="mt-4 inline-block font-medium text-slate-900 group-hover:underline">See my requests →</span>
        </Link>
      </div>
    </div>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
