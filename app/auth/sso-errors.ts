/**
 * Why a single sign-on did not complete. Only these codes travel in the sign-in page's URL
 * (`/login?sso_error=<code>`); the page shows the fixed message of a known code and the generic
 * one for anything else, so no text from a URL ever reaches the page.
 */
export const ssoErrorMessages = {
  sso_not_configured: "Single sign-on is not set up for this workspace.",
  sso_misconfigured: "Single sign-on is not set up correctly for this workspace. Ask an admin to test the single sign-on settings.",
  sso_unreachable: "The identity provider could not be reached. Please try again later, or ask an admin to test the single sign-on settings.",
  sso_provider_refused: "The identity provider refused the sign-in.",
  sso_provider_invalid: "The identity provider gave an unexpected answer. Please try again, or ask an admin to test the single sign-on settings.",
  sso_expired: "This sign-in could not be verified (it may have expired or been opened in another browser). Please try again.",
  sso_token_rejected: "The identity provider's answer could not be verified, so you were not signed in.",
  sso_email_missing: "Your identity provider did not share your email address, so no account can be matched.",
  sso_email_unverified: "Your identity provider has not verified your email address, so it cannot be linked to an account here.",
  sso_domain_not_allowed: "Sign-in with addresses at your email domain is not allowed in this workspace.",
  sso_account_deactivated: "Your account in this workspace is deactivated. Ask an admin to reactivate it.",
  sso_account_not_sso: "An account with this email exists but was not set up for single sign-on. Ask an admin.",
  sso_no_account: "There is no account for you in this workspace yet. Ask an admin to invite you.",
  sso_failed: "Single sign-on did not complete. Please try again.",
} as const;

export type SsoErrorCode = keyof typeof ssoErrorMessages;

export function isSsoErrorCode(value: string): value is SsoErrorCode {
  return Object.hasOwn(ssoErrorMessages, value);
}

/** The message for `?sso_error=`: a known code's own, the generic one for any other text, none without one. */
export function ssoErrorMessage(code: string | null): string | null {
  if (!code) return null;
  return isSsoErrorCode(code) ? ssoErrorMessages[code] : ssoErrorMessages.sso_failed;
}
