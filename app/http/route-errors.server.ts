import type { SubmissionResult } from "@conform-to/react";
import { data, type AppLoadContext } from "@remix-run/node";
import * as z from "zod";
import { isDatabaseUnavailable } from "../../db/connection-errors";
import { apiError } from "../api/api-error.server";
import { AppError } from "../app-error";
import { databaseUnavailableResponse } from "./database-unavailable.server";
import { missingTenantSchemaResponse } from "./missing-tenant-schema.server";

/**
 * The one place where errors become HTTP. A loader or action that throws reaches
 * `respondToRouteError` (route-access wraps every route in it); a form action that shows a domain
 * refusal in the form uses `replyOnAppError`, which catches AppErrors only.
 */

const INTERNAL_MESSAGE = "Something went wrong on our side. Try again; if it keeps happening, quote the request id.";

function retryAfter(error: AppError): HeadersInit | undefined {
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === "number" ? { "Retry-After": String(seconds) } : undefined;
}

/** A redirect or a Response the route threw on purpose (including Remix's `data()`): passed on. */
function isIntendedResponse(error: unknown): boolean {
  return error instanceof Response || (typeof error === "object" && error !== null && (error as { type?: unknown }).type === "DataWithResponseInit");
}

/**
 * What a loader or action answers for what it threw: `/api/*` the structured JSON error, pages a
 * status response their ErrorBoundary explains (see app/components/error-status.ts). A lost
 * database is a 503 with Retry-After; anything unknown is logged once with the request id and
 * answers 500 carrying that id.
 */
export async function respondToRouteError(error: unknown, context: AppLoadContext, { isApi, routeId }: { isApi: boolean; routeId: string }): Promise<unknown> {
  if (isIntendedResponse(error)) return error;
  const missingSchema = await missingTenantSchemaResponse(error, context, isApi);
  if (missingSchema) return missingSchema;
  if (AppError.is(error)) {
    return isApi
      ? apiError(error.status, error.code, error.message, error.details, retryAfter(error))
      : new Response(error.message, { status: error.status, headers: retryAfter(error) });
  }
  if (error instanceof z.ZodError) {
    return isApi
      ? apiError(
          400,
          "validation_failed",
          "The request is not valid; see details.",
          error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message, code: issue.code })),
        )
      : new Response("That request was not valid.", { status: 400 });
  }
  const { requestId } = context;
  if (isDatabaseUnavailable(error)) return databaseUnavailableResponse(isApi, requestId);
  context.log.error({ err: error }, `${routeId} failed`);
  return isApi ? apiError(500, "internal_error", INTERNAL_MESSAGE, { requestId }) : Response.json({ requestId }, { status: 500 });
}

type ReplyOptions = { formErrors?: string[]; fieldErrors?: Record<string, string[]>; hideFields?: string[] };

/**
 * What a page form shows for an AppError: next to `details.field` when set, as a form error
 * otherwise, unless `formErrorsOutside` (sign-in forms show refusals outside Conform, whose
 * form-level error would block the next submit; their `body` shows `error.message`).
 */
export function replyFor(
  error: AppError,
  { hideFields, formErrorsOutside = false }: { hideFields?: string[]; formErrorsOutside?: boolean } = {},
): ReplyOptions {
  const field = error.details?.field;
  if (field) return { fieldErrors: { [field]: [error.message] }, hideFields };
  return formErrorsOutside ? { hideFields } : { formErrors: [error.message], hideFields };
}

/**
 * Runs a domain call; an AppError it throws becomes `answer(error)` with the table's status (and
 * Retry-After for a 429). Anything else goes on to respondToRouteError.
 */
export async function onAppError<T, Body>(call: () => Promise<T>, answer: (error: AppError) => Body): Promise<T | ReturnType<typeof data<Body>>> {
  try {
    return await call();
  } catch (error) {
    if (!AppError.is(error)) throw error;
    return data(answer(error), { status: error.statusFor("form"), headers: retryAfter(error) });
  }
}

type Replyable = { reply(options?: ReplyOptions): SubmissionResult<string[]> };

/**
 * For a Conform form: an AppError from `call` becomes `submission.reply(...)` with the error on its
 * field (or the form), so the typed values survive. `body` shapes the action data when a route
 * returns more than the reply (an intent, a message).
 */
export function replyOnAppError<T, Body = SubmissionResult<string[]>>(
  submission: Replyable,
  call: () => Promise<T>,
  options: { hideFields?: string[]; formErrorsOutside?: boolean; body?: (result: SubmissionResult<string[]>, error: AppError) => Body } = {},
) {
  const body = options.body ?? ((result: SubmissionResult<string[]>) => result as Body);
  return onAppError(call, (error) => body(submission.reply(replyFor(error, options)), error));
}
