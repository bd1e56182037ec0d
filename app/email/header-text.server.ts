/** RFC 5322's limit for a line; no single-line value needs more. */
const MAX_LINE_CHARS = 998;

/**
 * A value for a single header line (a display name, a subject): control characters, CR and LF
 * above all, become spaces, so no text from a ticket or a customer can start a header of its own.
 * At most `maxChars` long, read from a bounded start of the value (an email's header may be megabytes).
 */
export function singleLine(value: string, maxChars = MAX_LINE_CHARS): string {
  return value
    .slice(0, maxChars * 4)
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
    .replace(/ {2,}/g, " ")
    .trim()
    .slice(0, maxChars)
    .trimEnd();
}
