import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

/** The ErrorBoundary of portal pages: the portal's frame stays, the card explains, nothing internal shows. */
export function PortalErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" && error.data.length < 300 ? error.data : null;
  const title = status === 404 ? "Not found" : status === 429 ? "Slow down" : status === 400 || status === 403 ? "That did not work" : "Something went wrong";
  const message =
    status === 404
      ? "We could not find that page or request."
      : status >= 500 || !detail
        ? "We could not complete this. Please try again in a moment."
        : detail;
  return (
    <div role="alert" className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <p className="text-gradient-primary text-4xl font-bold">{status}</p>
      <h1 className="mt-3 text-xl font-semibold text-slate-900">{title}</h1>
      <p className="mt-2 text-slate-600">{message}</p>
      <Link to="/portal" className="mt-6 inline-block rounded-lg bg-gradient-primary px-4 py-2 font-medium text-white shadow">
        Back to the help center
      </Link>
    </div>
  );
}
