import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

/** An ErrorBoundary for screens inside the agent console: the shell stays, the panel explains. */
export function PanelErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" && error.data.length < 300 ? error.data : null;
  const { title, message } = describeStatus(status, detail);
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

function describeStatus(status: number, detail: string | null): { title: string; message: string } {
  switch (status) {
    case 404:
      return { title: "Not found", message: detail ?? "There is nothing at this address in this workspace." };
    case 403:
      return { title: "Not allowed", message: detail ?? "We could not load this. Try again in a moment." };
    case 400:
      return { title: "That request was not valid", message: detail ?? "We could not load this. Try again in a moment." };
    // The database could not be reached (or the workspace is being changed): our own text, so it is shown.
    case 503:
      return { title: "Temporarily unavailable", message: detail ?? "Conductor cannot reach its database at the moment. Please try again in a minute." };
    default:
      return { title: "Something went wrong", message: status >= 500 || !detail ? "We could not load this. Try again in a moment." : detail };
  }
}
