import type { KeyboardEvent } from "react";

/** A macro as the ticket screen offers it. */
export type MacroChoice = { id: number; name: string; shared: boolean; bodyKind: "reply" | "note" | null };

/** Macros whose name contains every word typed, in the order given (most used first). */
export function filterMacros(macros: MacroChoice[], query: string, limit = 8): MacroChoice[] {
  const words = query.toLowerCase().split(" ").filter(Boolean);
  return macros.filter((macro) => words.every((word) => macro.name.toLowerCase().includes(word))).slice(0, limit);
}

/** Arrow keys move, Enter chooses, Escape closes; `true` when the key was the list's. */
export function listKeys(event: KeyboardEvent, count: number, active: number, setActive: (index: number) => void, choose: () => void, close: () => void) {
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (count > 0) setActive((active + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
  } else if (event.key === "Enter") {
    if (count === 0) return false;
    choose();
  } else if (event.key === "Escape") {
    close();
  } else return false;
  event.preventDefault();
  return true;
}
