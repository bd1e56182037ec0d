const MAX_BODY_CHARS = 100_000;

// Lines where a mail client starts the quoted history; everything from there on is folded away.
const SEPARATORS = [
  /^-{2,}\s*Original Message\s*-{2,}$/i,
  /^-{2,}\s*Forwarded message\s*-{2,}$/i,
  /^_{10,}$/,
  /^From:\s.+$/i, // Outlook puts a header block under a rule; matched only after a blank line, see below
  /^On\s.+wrote:$/i,
  /^Le\s.+a écrit\s?:$/i,
  /^Am\s.+schrieb.*:$/i,
];

/**
 * The new words of a reply: quoted history (a trailing "On … wrote:" with its `>` block, or a
 * client's separator and what follows) folded away. The full original stays in the raw row.
 */
export function stripQuotedHistory(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let end = lines.length;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    const joined = i + 1 < lines.length ? `${line} ${lines[i + 1]!.trim()}` : line;
    const afterBlank = i === 0 || lines[i - 1]!.trim() === "";
    if (SEPARATORS.some((pattern, index) => (index === 3 ? afterBlank && pattern.test(line) && /^(Sent|Date|To|Subject):/i.test(lines[i + 1]?.trim() ?? "") : pattern.test(line)))) {
      end = i;
      break;
    }
    // "On Tue, … <x@y> wrote:" often wraps onto a second line.
    if (/^On\s/i.test(line) && !/wrote:$/i.test(line) && /^On\s.+wrote:$/i.test(joined) && (lines[i + 2]?.trim().startsWith(">") ?? true)) {
      end = i;
      break;
    }
  }
  let kept = lines.slice(0, end);
  // A trailing block of `>` lines (and blank lines) is quoted history too.
  let last = kept.length;
  while (last > 0 && (kept[last - 1]!.trim() === "" || kept[last - 1]!.trimStart().startsWith(">"))) last -= 1;
  kept = kept.slice(0, last);
  const result = kept.join("\n").trim();
  // A message that is nothing but a quote keeps its text rather than becoming empty.
  return result.length > 0 ? result : text.trim();
}

/** NUL bytes removed (PostgreSQL text cannot hold them) and the length capped, with a note. */
export function cleanBody(text: string, maxChars = MAX_BODY_CHARS): string {
  const withoutNul = text.replace(/\u0000/g, "");
  if (withoutNul.length <= maxChars) return withoutNul;
  return `${withoutNul.slice(0, maxChars)}\n\n[This message was too long and has been shortened. The full email is kept with the original.]`;
}
