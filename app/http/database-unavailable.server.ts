import type { Request, Response as ExpressResponse } from "express";
import { DATABASE_RETRY_AFTER_SECONDS } from "../../db/connection-errors";
import { apiError } from "../api/api-error.server";
import { DATABASE_UNAVAILABLE_MESSAGE, unavailablePage } from "./static-pages.server";
import { isApiRequest } from "./request-path.server";

const RETRY_AFTER = String(DATABASE_RETRY_AFTER_SECONDS);
const API_MESSAGE = "The database is not reachable right now. Try again shortly.";

/**
 * What a loader or action answers when the database cannot be reached (isDatabaseUnavailable):
 * `/api/*` its JSON error `unavailable`, a page a 503 that entry.server renders as the
 * "temporarily unavailable" page. Both with Retry-After.
 */
export function databaseUnavailableResponse(isApi: boolean, requestId: string): Response {
  if (isApi) return apiError(503, "unavailable", API_MESSAGE, { requestId }, { "Retry-After": RETRY_AFTER });
  return new Response(DATABASE_UNAVAILABLE_MESSAGE, { status: 503, headers: { "Retry-After": RETRY_AFTER } });
}

/** The same answer from Express, for failures before Remix runs (tenant look-up, authentication). */
export function sendDatabaseUnavailable(req: Request, res: ExpressResponse): void {
  res.status(503).set("Retry-After", RETRY_AFTER).set("Cache-Control", "no-store");
  if (isApiRequest(res)) res.json({ error: { code: "unavailable", message: API_MESSAGE, details: { requestId: String(req.id) } } });
  else res.type("html").send(unavailablePage());
}

/** Retry-After on a 503 document or data response, which Remix builds without the thrown Response's headers. */
export function withRetryAfter(headers: Headers): Headers {
  if (!headers.has("Retry-After")) headers.set("Retry-After", RETRY_AFTER);
  headers.set("Cache-Control", "no-store");
  return headers;
}
