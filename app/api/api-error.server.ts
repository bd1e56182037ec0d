import { AppError } from "../app-error";

/** The one JSON error shape of `/api/*`: `{ "error": { "code", "message", "details" } }`. */
export function apiError(status: number, code: string, message: string, details?: unknown, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message, details: details ?? null } }, { status, headers });
}

/**
 * The customer domain reports a taken email as a field error (400), which is what a form shows next
 * to the field; to an API client it is a conflict with an existing resource: 409.
 */
export function emailTakenIsConflict(error: unknown): never {
  if (AppError.is(error) && error.code === "email_taken") throw new AppError(409, error.code, error.message, error.details);
  throw error;
}
