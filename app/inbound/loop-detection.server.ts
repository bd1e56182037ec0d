import type { ParsedMail } from "mailparser";

/**
 * Auto-replies, bounces and list mail (RFC 3834 and the common vendor headers): recorded on the
 * ticket, never answered, so two auto-responders cannot mail each other forever.
 */
export function isAutomatedEmail(mail: Pick<ParsedMail, "headers">, envelopeFrom: string | null): boolean {
  const header = (name: string) => {
    const value = mail.headers.get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "object" && "value" in value && typeof value.value === "string") return value.value;
    if (typeof value === "object" && "text" in value && typeof value.text === "string") return value.text;
    return String(value);
  };
  const autoSubmitted = header("auto-submitted")?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== "no") return true;
  if (["bulk", "list", "junk"].includes(header("precedence")?.trim().toLowerCase() ?? "")) return true;
  if (header("x-autoreply") !== undefined || header("x-autorespond") !== undefined) return true;
  const returnPath = header("return-path");
  if (returnPath !== undefined && isNullSender(returnPath)) return true;
  if (envelopeFrom !== null && isNullSender(envelopeFrom)) return true;
  return false;
}

/** The null reverse-path of bounces: `<>`, also with spaces or only half of it (string operations, not a pattern: the text is the sender's). */
export function isNullSender(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed === "<" || trimmed === ">") return true;
  return trimmed.startsWith("<") && trimmed.endsWith(">") && trimmed.slice(1, -1).trim() === "";
}
