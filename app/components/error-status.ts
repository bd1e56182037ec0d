import { isRouteErrorResponse } from "@remix-run/react";

/** Where a boundary sits: the document root, the agent console's panel, or the customer portal. */
export type ErrorFrame = "root" | "panel" | "portal";

type Text = { title: string; message: string };

/** The one status → message map of every ErrorBoundary. `message` is shown when the error brings no text of its own that may be shown. */
const STATUS_TEXT: Record<number, Text & Partial<Record<ErrorFrame, Partial<Text>>>> = {
  400: { title: "That did not work", message: "That request was not valid. Please check it and try again." },
  403: { title: "Not allowed", message: "You do not have access to this." },
  // No route matched (at the root), or a record is not there; the portal says nothing more to customers.
  404: {
    title: "Not found",
    message: "There is nothing at this address in this workspace.",
    root: { title: "Page not found" },
    portal: { message: "We could not find that page or request." },
  },
  429: { title: "Slow down", message: "Too many requests. Please wait a moment and try again." },
  503: { title: "Temporarily unavailable", message: "Conductor cannot reach its database at the moment. Please try again in a minute." },
};

const FALLBACK: Text = { title: "Something went wrong", message: "We could not complete this request. Please try again in a moment." };

/**
 * What a boundary shows for a thrown error. A Response's own short text is ours (an AppError's
 * message, a guard's refusal) and is shown for 4xx and 503, except a 404's outside the panel (at
 * the root it is the router's "No route matches", in the portal it would say what exists). An
 * unknown error (500) shows only the request id the server logged it under.
 */
export function describeRouteError(error: unknown, frame: ErrorFrame): Text & { status: number; requestId: string | null } {
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const data: unknown = isRouteErrorResponse(error) ? error.data : null;
  const own = typeof data === "string" && data.length > 0 && data.length < 300 ? data : null;
  const requestId =
    typeof data === "object" && data !== null && typeof (data as { requestId?: unknown }).requestId === "string"
      ? (data as { requestId: string }).requestId
      : null;
  const entry = STATUS_TEXT[status];
  const text = entry ? { title: entry[frame]?.title ?? entry.title, message: entry[frame]?.message ?? entry.message } : FALLBACK;
  const showOwn = own !== null && (status === 503 || (status >= 400 && status < 500 && (status !== 404 || frame === "panel")));
  return { status, title: text.title, message: showOwn ? own : text.message, requestId };
}
