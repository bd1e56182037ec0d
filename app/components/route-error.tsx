import { Link, useRouteError } from "@remix-run/react";
import { describeRouteError } from "./error-status";

/** An ErrorBoundary for screens inside the agent console: the shell stays, the panel explains. */
export function PanelErrorBoundary() {
  const { status, title, message, requestId } = describeRouteError(useRouteError(), "panel");
  return (
    <div role="alert" className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <p className="text-gradient-primary text-4xl font-bold">{status}</p>
      <h1 className="mt-3 text-xl font-semibold text-slate-900">{title}</h1>
      <p className="mt-2 text-slate-600">{message}</p>
      <RequestId id={requestId} />
      <Link to="/tickets" className="mt-6 inline-block rounded-lg bg-gradient-primary px-4 py-2 font-medium text-white shadow">
        Back to tickets
      </Link>
    </div>
  );
}

/** The id an unknown error was logged under, for a person to quote when they report it. */
export function RequestId({ id }: { id: string | null }) {
  if (!id) return null;
  return (
    <p className="mt-2 text-sm text-slate-500">
      If it keeps happening, quote request id{" "}
      <code className="font-mono text-slate-700" data-testid="request-id">
        {id}
      </code>
      .
    </p>
  );
}
