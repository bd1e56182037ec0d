import { HOTP, Secret, TOTP } from "otpauth";

/** RFC 6238 as every authenticator app reads it by default: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
const TOTP_ALGORITHM = "SHA1";

/** A code is accepted in the step before, at, and after the server's own (clock drift, slow typing). */
const TOTP_WINDOW = 1;

/** A new shared secret: 160 random bits (RFC 4226's recommendation), base32 as apps and URIs carry it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// address an authenticator app scans. */
export function totpUri({ secret, issuer, account }: { secret: string; issuer: string; account: string }): string {
  return new TOTP({
    issuer,
    label: account,
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  }).toString();
}

/** The time step (RFC 6238's T) a moment falls in. */
export function totpStep(timestampMs: number): number {
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: timestampMs });
}

/** The code of one step, as an authenticator app shows it. */
export function totpCodeAt(secret: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secret), algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, counter: step });
}

/** Spaces are allowed as apps group digits ("123 456"); anything else that is not six digits is not a code. */
export function normaliseTotpCode(input: string): string | null {
  const code = input.replace(/\s+/g, "");
  return /^\d{6}$/.test(code) ? code : null;
}

/**
 * The step whose code `code` is, within the window around `timestampMs`, or null. Steps at or before
 * `lastUsedStep` are never matched: a code works once, and an older one never after a newer one.
 */
export function matchingTotpStep(
  secret: string,
  code: string,
  { timestampMs, lastUsedStep }: { timestampMs: number; lastUsedStep: number | null },
): number | null {
  const normalised = normaliseTotpCode(code);
  if (!normalised) return null;
  const current = totpStep(timestampMs);
  let matched: number | null = null;
  // Every candidate is computed and compared, so the answer takes the same time whichever step matched.
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    if (sameDigits(totpCodeAt(secret, step), normalised) && matched === null) matched = step;
  }
  return matched;
}

function sameDigits(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < Math.min(a.length, b.length); index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}
