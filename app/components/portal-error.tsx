import { Link, useRouteError } from "@remix-run/react";
import { describeRouteError } from "./error-status";
import { RequestId } from "./route-error";

/** The ErrorBoundary of portal pages: the portal's frame stays, the card explains, nothing internal shows. */
export function PortalErrorBoundary() {
  const { status, title, message, requestId } = describeRouteError(useRouteError(), "portal");
  return (
    <div role="alert" className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <p className="text-gradient-primary text-4xl font-bold">{status}</p>
      <h1 className="mt-3 text-xl font-semibold text-slate-900">{title}</h1>
      <p className="mt-2 text-slate-600">{message}</p>
      <RequestId id={requestId} />
      <Link to="/portal" className="mt-6 inline-block rounded-lg bg-gradient-primary px-4 py-2 font-medium text-white shadow">
        Back to the help center
      </Link>
    </div>
  );
}
