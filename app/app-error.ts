/**
 * The one error type of the domain modules. Routes turn it into HTTP in one place each:
 * pages show `message` (next to `field` when set), `/api/*` answers `{ error: { code, message, details } }`.
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 422 | 429,
    readonly code: string,
    message: string,
    readonly details: { field?: string; [key: string]: unknown } | null = null,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError(404, "not_found", `${what} was not found in this workspace.`);

export const fieldError = (field: string, message: string, code = "invalid_field") => new AppError(400, code, message, { field });
