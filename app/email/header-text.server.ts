/**
 * A value for a single header line (a display name, a subject): control characters, CR and LF
 * above all, become spaces, so no text from a ticket or a customer can start a header of its own.
 */
export function singleLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/ {2,}/g, " ").trim();
}
