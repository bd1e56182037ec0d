/**
 * A macro body's placeholders (`{{ticket.number}}`). Pure and without zod, so the ticket screen's
 * browser code may use it. The scan is a single pass with indexOf (no regular expression), linear in
 * the body's length whatever it holds.
 */

export const MACRO_PLACEHOLDERS = [
  "ticket.number",
  "ticket.subject",
  "ticket.status",
  "ticket.priority",
  "customer.name",
  "customer.first_name",
  "customer.email",
  "agent.name",
  "agent.first_name",
  "workspace.name",
] as const;
export type MacroPlaceholder = (typeof MACRO_PLACEHOLDERS)[number];
export type PlaceholderValues = Record<MacroPlaceholder, string>;

const KNOWN: ReadonlySet<string> = new Set(MACRO_PLACEHOLDERS);

type Piece = { text: string } | { placeholder: string; raw: string };

/**
 * The body as literal text and placeholders, in order. `{{ name }}` (spaces allowed inside) is a
 * placeholder; of nested openings (`{{ {{x}}`), the last one before the closing braces counts.
 */
export function splitPlaceholders(body: string): Piece[] {
  const pieces: Piece[] = [];
  let from = 0;
  for (;;) {
    const open = body.indexOf("{{", from);
    if (open === -1) break;
    const close = body.indexOf("}}", open + 2);
    if (close === -1) break;
    // Looks back only over [open, close], which the next search starts after: still linear.
    const innerOpen = body.lastIndexOf("{{", close - 2);
    const start = innerOpen > open ? innerOpen : open;
    if (start > from) pieces.push({ text: body.slice(from, start) });
    pieces.push({ placeholder: body.slice(start + 2, close).trim(), raw: body.slice(start, close + 2) });
    from = close + 2;
  }
  if (from < body.length) pieces.push({ text: body.slice(from) });
  return pieces;
}

/** The placeholders the body uses that Conductor does not know, each once, in order. */
export function unknownPlaceholders(body: string): string[] {
  const unknown: string[] = [];
  for (const piece of splitPlaceholders(body)) {
    if ("placeholder" in piece && !KNOWN.has(piece.placeholder) && !unknown.includes(piece.placeholder)) unknown.push(piece.placeholder);
  }
  return unknown;
}

/** What a person reads when a body names an unknown placeholder. */
export function unknownPlaceholderMessage(unknown: string[]): string {
  const shown = unknown.slice(0, 3).map((name) => `{{${name.length > 40 ? `${name.slice(0, 40)}…` : name}}}`);
  const which =
    unknown.length === 1 ? `${shown[0]} is not a placeholder` : `${shown.join(", ")}${unknown.length > 3 ? " and others" : ""} are not placeholders`;
  return `${which}. Use one of: ${MACRO_PLACEHOLDERS.map((name) => `{{${name}}}`).join(", ")}.`;
}

/**
 * Fills in the placeholders, once: a value that itself contains `{{…}}` stays as written. The result
 * is plain text (the composer's); the email path escapes it when it renders HTML. An unknown
 * placeholder (saving refuses them) is left as written.
 */
export function renderPlaceholders(body: string, values: PlaceholderValues): string {
  let out = "";
  for (const piece of splitPlaceholders(body)) {
    if ("text" in piece) out += piece.text;
    else out += KNOWN.has(piece.placeholder) ? values[piece.placeholder as MacroPlaceholder] : piece.raw;
  }
  return out;
}

/** "Ada Lovelace" → "Ada"; a name without spaces is its own first name. */
export function firstName(name: string): string {
  const trimmed = name.trim();
  const space = trimmed.search(/\s/);
  return space === -1 ? trimmed : trimmed.slice(0, space);
}
