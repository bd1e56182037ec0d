import { constantTimeEqual, hmac } from "./tokens.server";

/**
 * Sibling tenant subdomains are the same *site*, so SameSite=Lax alone does not stop one tenant's
 * page from posting to another's. Every state change by a signed-in session must carry this token.
 */
export function csrfTokenFor(sessionSecret: string, sessionId: string): string {
  return hmac(sessionSecret, "csrf", sessionId);
}

export const CSRF_FIELD = "csrf";
export const CSRF_HEADER = "x-csrf-token";

/** Reads the token from the header or, for form posts, the form field (without consuming the body). */
export async function submittedCsrfToken(request: Request): Promise<string | null> {
  const header = request.headers.get(CSRF_HEADER);
  if (header) return header;
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType.startsWith("application/x-www-form-urlencoded") || contentType.startsWith("multipart/form-data")) {
    const value = (await request.clone().formData()).get(CSRF_FIELD);
    return typeof value === "string" ? value : null;
  }
  return null;
}

export function csrfTokenMatches(expected: string, submitted: string | null): boolean {
  return submitted !== null && constantTimeEqual(expected, submitted);
}
