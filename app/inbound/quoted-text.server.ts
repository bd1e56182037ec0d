export const MAX_BODY_CHARS = 100_000;
export const SHORTENED_NOTE = "\n\n[This message was too long and has been shortened. The full email is kept with the original.]";

/** A client's attribution or separator is one short line; longer lines are text, whatever they say. */
const MAX_SEPARATOR_LINE_CHARS = 500;

// Every rule is a plain scan of one short line (no regular expression over what the sender wrote),
// so a line made to look almost like a separator costs no more than any other line.

function isWhitespace(char: string | undefined): boolean {
  return char !== undefined && char.trim() === "";
}

/** `-----Original Message-----`: two or more dashes each side of the label, spaces allowed inside. */
function isDashedLabel(line: string, label: string): boolean {
  let start = 0;
  while (line[start] === "-") start += 1;
  let end = line.length;
  while (end > start && line[end - 1] === "-") end -= 1;
  return start >= 2 && line.length - end >= 2 && line.slice(start, end).trim().toLowerCase() === label;
}

function isUnderscoreRule(line: string): boolean {
  if (line.length < 10) return false;
  for (const char of line) if (char !== "_") return false;
  return true;
}

/** `<opener> <anything> <closer>`, e.g. "On Tue, 3 Mar 2026, Ada <ada@x.test> wrote:", case-insensitively. */
function isAttribution(line: string, opener: string, closer: string): boolean {
  const lower = line.toLowerCase();
  return lower.length > opener.length + 1 + closer.length && lower.startsWith(opener) && isWhitespace(lower[opener.length]) && lower.endsWith(closer);
}

/** "Le mardi 3 mars 2026, Ada a écrit :" (the space before the colon is optional, often non-breaking). */
function isFrenchAttribution(line: string): boolean {
  if (!line.endsWith(":")) return false;
  let head = line.slice(0, -1);
  if (isWhitespace(head.at(-1))) head = head.slice(0, -1);
  return isAttribution(head, "le", "a écrit");
}

/** "Am 3. März 2026 um 10:00 schrieb Ada <ada@x.test>:" ("schrieb" may be followed by the name). */
function isGermanAttribution(line: string): boolean {
  const lower = line.toLowerCase();
  if (!lower.startsWith("am") || !isWhitespace(lower[2]) || !lower.endsWith(":")) return false;
  const verb = lower.indexOf("schrieb", 4);
  return verb >= 0 && verb + "schrieb".length < lower.length;
}

/** Outlook's header block under a rule: "From: …" right after a blank line, then Sent/Date/To/Subject. */
function isOutlookHeader(line: string, next: string, afterBlank: boolean): boolean {
  if (!afterBlank || !line.toLowerCase().startsWith("from:") || !isWhitespace(line[5]) || line.length < 7) return false;
  const nextLower = next.toLowerCase();
  return ["sent:", "date:", "to:", "subject:"].some((header) => nextLower.startsWith(header));
}

/** Lines where a mail client starts the quoted history; everything from there on is folded away. */
function startsHistory(line: string, next: string, afterBlank: boolean): boolean {
  return (
    isDashedLabel(line, "original message") ||
    isDashedLabel(line, "forwarded message") ||
    isUnderscoreRule(line) ||
    isOutlookHeader(line, next, afterBlank) ||
    isAttribution(line, "on", "wrote:") ||
    isFrenchAttribution(line) ||
    isGermanAttribution(line)
  );
}

/**
 * The new words of a reply: quoted history (a trailing "On … wrote:" with its `>` block, or a
 * client's separator and what follows) folded away. The full original stays in the raw row.
 * Linear in the length of the text; callers cap the text first all the same (see `replyBody`).
 */
export function stripQuotedHistory(text: string): string {
  const original = text.replaceAll("\r\n", "\n").replaceAll("\r", "\n").split("\n");
  const lines = original.map((line) => line.trim());
  let end = lines.length;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.length === 0 || line.length > MAX_SEPARATOR_LINE_CHARS) continue;
    const next = lines[i + 1] ?? "";
    if (startsHistory(line, next.length > MAX_SEPARATOR_LINE_CHARS ? "" : next, i === 0 || lines[i - 1] === "")) {
      end = i;
      break;
    }
    // "On Tue, … <x@y> wrote:" often wraps onto a second line.
    const wrapped =
      next.length > 0 && next.length <= MAX_SEPARATOR_LINE_CHARS && !line.toLowerCase().endsWith("wrote:") && isAttribution(`${line} ${next}`, "on", "wrote:");
    if (wrapped && (i + 2 >= lines.length || lines[i + 2]!.startsWith(">"))) {
      end = i;
      break;
    }
  }
  // A trailing block of `>` lines (and blank lines) is quoted history too.
  while (end > 0 && (lines[end - 1] === "" || lines[end - 1]!.startsWith(">"))) end -= 1;
  const result = original.slice(0, end).join("\n").trim();
  // A message that is nothing but a quote keeps its text rather than becoming empty.
  return result.length > 0 ? result : text.trim();
}

/** NUL bytes removed (PostgreSQL text cannot hold them) and the length capped, with a note. */
export function cleanBody(text: string, maxChars = MAX_BODY_CHARS): string {
  const withoutNul = text.replaceAll("\u0000", "");
  if (withoutNul.length <= maxChars) return withoutNul;
  return `${withoutNul.slice(0, maxChars)}${SHORTENED_NOTE}`;
}

/**
 * The body of a ticket message from an email's text of any length: cut to MAX_BODY_CHARS before
 * anything else reads it, quoted history folded away, NUL bytes removed, a note when it was cut.
 */
export function replyBody(text: string): string {
  const body = stripQuotedHistory(text.slice(0, MAX_BODY_CHARS).replaceAll("\u0000", ""));
  return text.length > MAX_BODY_CHARS ? `${body}${SHORTENED_NOTE}` : body;
}
