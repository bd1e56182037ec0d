/** The one JSON error shape of `/api/*`: `{ "error": { "code", "message", "details" } }`. */
export function apiError(status: number, code: string, message: string, details?: unknown, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message, details: details ?? null } }, { status, headers });
}
