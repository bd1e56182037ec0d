import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

/** An ErrorBoundary for screens inside the agent console: the shell stays, the panel explains. */
export function PanelErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" && error.data.length < 300 ? error.data : null;
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : status === 400 ? "That request was not valid" : "Something went wrong";
  const message = status >= 500 || !detail ? (status === 404 ? "There is nothing at this address in this workspace." : "We could not load this. Try again in a moment.") : detail;
  return (
    <div role="alert" className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <p className="text-gradient-primary text-4xl font-bold">{status}</p>
      <h1 className="mt-3 text-xl font-semibold text-slate-900">{title}</h1>
      <p className="mt-2 text-slate-600">{message}</p>
      <Link to="/tickets" className="mt-6 inline-block rounded-lg bg-gradient-primary px-4 py-2 font-medium text-white shadow">
        Back to tickets
      </Link>
    </div>
  );
}
