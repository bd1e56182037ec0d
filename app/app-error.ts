/**
 * The one error type of the domain modules. Routes turn it into HTTP in one place each:
 * pages show `message` (next to `field` when set), `/api/*` answers `{ error: { code, message, details } }`.
 */
const BRAND = Symbol.for("conductor.AppError");

export class AppError extends Error {
  readonly [BRAND] = true;

  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 422 | 429,
    readonly code: string,
    message: string,
    readonly details: { field?: string; [key: string]: unknown } | null = null,
  ) {
    super(message);
    this.name = "AppError";
  }

  /**
   * `instanceof` is not enough: the Remix server build bundles its own copy of this module, while
   * server.ts loads the source one; the brand is shared by both.
   */
  static is(error: unknown): error is AppError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }
}

export const notFound = (what: string) => new AppError(404, "not_found", `${what} was not found in this workspace.`);

export const fieldError = (field: string, message: string, code = "invalid_field") => new AppError(400, code, message, { field });
