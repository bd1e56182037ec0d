/**
 * The one error type of the domain modules: a code from the table below, a message a person can
 * read, and details (`field` for the form field at fault, `retryAfterSeconds` for a 429).
 * app/http/app-error-http.server.ts turns it into HTTP, the one place that does.
 */
type Status = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429;

/**
 * Code → HTTP status. An entry can refine it: `field`, the status when the error names a field (the
 * input must change, rather than the state it met); `form`, the status in a page form.
 */
export const APP_ERROR_CODES = {
  invalid_field: 400,
  invalid_cursor: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  rate_limited: 429,
  // customers
  email_taken: { status: 409, form: 400 },
  // tickets
  version_conflict: 409,
  too_many_tags: { status: 409, field: 400 },
  // team and profile
  already_member: 409,
  invite_invalid: 410,
  team_rule: 409,
  wrong_password: 400,
  // sign-in
  invalid_credentials: 401,
  // password reset and email change links
  reset_link_invalid: 410,
  email_change_link_invalid: 410,
  // portal
  form_reused: 409,
  request_form_refused: 400,
  sign_in_code_wrong: 400,
  // inbound addresses
  confirmation_link_invalid: 404,
  address_taken: 409,
  address_in_use: 409,
  address_pending: 409,
  inbound_domain_address: 400,
  reserved_address: 400,
  resend_too_soon: 429,
  confirmation_budget_spent: 429,
  confirmation_not_returned: 409,
  // single sign-on: settings and refusals (the sign-in flow turns these into /login?sso_error=)
  client_secret_missing: 400,
  sso_not_configured: 403,
  sso_misconfigured: 403,
  sso_unreachable: 403,
  sso_provider_refused: 403,
  sso_provider_invalid: 403,
  sso_expired: 403,
  sso_token_rejected: 403,
  sso_email_missing: 403,
  sso_email_unverified: 403,
  sso_domain_not_allowed: 403,
  sso_account_deactivated: 403,
  sso_account_not_sso: 403,
  sso_no_account: 403,
  sso_failed: 403,
  // outbound requests (OIDC discovery, keys, tokens)
  outbound_invalid_url: 422,
  outbound_https_required: 422,
  outbound_forbidden_address: 422,
  outbound_dns_failed: 422,
  outbound_connection_failed: 422,
  outbound_timeout: 422,
  outbound_too_large: 422,
  outbound_too_many_redirects: 422,
} as const satisfies Record<string, Status | Refined>;

type Refined = { status: Status; field?: Status; form?: Status };

export type AppErrorCode = keyof typeof APP_ERROR_CODES;

export type AppErrorDetails = { field?: string; retryAfterSeconds?: number; [key: string]: unknown };

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details: AppErrorDetails | null = null,
  ) {
    super(message);
    this.name = "AppError";
  }

  /** The status from the table, for a page form (`form`) or any other answer. */
  statusFor(surface: "http" | "form" = "http"): Status {
    const entry: Status | Refined = APP_ERROR_CODES[this.code];
    if (typeof entry === "number") return entry;
    if (surface === "form" && entry.form) return entry.form;
    return (this.details?.field ? entry.field : undefined) ?? entry.status;
  }

  get status(): Status {
    return this.statusFor("http");
  }

  static is(error: unknown, code?: AppErrorCode): error is AppError {
    return error instanceof AppError && (code === undefined || error.code === code);
  }
}

export const notFound = (what = "That") => new AppError("not_found", `${what} was not found in this workspace.`);

export const fieldError = (field: string, message: string, code: AppErrorCode = "invalid_field") => new AppError(code, message, { field });
