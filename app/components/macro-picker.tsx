import { useEffect, useId, useRef, useState } from "react";
import { filterMacros, listKeys, type MacroChoice } from "~/macros/macro-choice";

// Loaded after hydration by the ticket page (see macro-menus.tsx): kept out of its first JavaScript.

const kindLabel = (macro: MacroChoice) =>
  [macro.shared ? "Shared" : "Personal", macro.bodyKind === "note" ? "note" : macro.bodyKind === "reply" ? "reply" : "actions only"].join(" · ");

/** The listbox of matching macros; `id` names it for the combobox that controls it. */
export function MacroOptions({
  id,
  macros,
  active,
  onChoose,
  label,
}: {
  id: string;
  macros: MacroChoice[];
  active: number;
  onChoose: (macro: MacroChoice) => void;
  label: string;
}) {
  if (macros.length === 0) return <p className="px-3 py-2 text-sm text-slate-500">No macro matches.</p>;
  return (
    <ul id={id} role="listbox" aria-label={label} className="max-h-64 overflow-y-auto py-1">
      {macros.map((macro, index) => (
        <li
          key={macro.id}
          id={`${id}-${macro.id}`}
          role="option"
          aria-selected={index === active}
          // mousedown, so the input keeps focus (and the inline search its caret) until the choice is made.
          onMouseDown={(event) => {
            event.preventDefault();
            onChoose(macro);
          }}
          className={`cursor-pointer px-3 py-1.5 text-sm ${index === active ? "bg-slate-100 text-brand-700" : "text-slate-800"}`}
        >
          <span className="font-medium">{macro.name}</span> <span className="text-xs text-slate-500">{kindLabel(macro)}</span>
        </li>
      ))}
    </ul>
  );
}

/** "Macros": a button that opens a searchable list (type to filter, arrow keys, Enter applies). */
export function MacroPicker({ macros, onChoose, busy }: { macros: MacroChoice[]; onChoose: (macro: MacroChoice) => void; busy: boolean }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const button = useRef<HTMLButtonElement>(null);
  const search = useRef<HTMLInputElement>(null);
  // The search takes the keyboard as the panel opens (the agent asked for it by opening it).
  useEffect(() => {
    if (open) search.current?.focus();
  }, [open]);
  const id = useId();
  const shown = filterMacros(macros, query);
  const close = () => {
    setOpen(false);
    setQuery("");
    setActive(0);
    button.current?.focus();
  };
  const choose = (macro: MacroChoice) => {
    close();
    onChoose(macro);
  };
  return (
    <div className="relative">
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={open ? `${id}-panel` : undefined}
        disabled={busy}
        onClick={() => setOpen((value) => !value)}
        className="rounded-lg border border-slate-300 bg-white px-3 py-1 text-sm font-semibold text-slate-800 hover:bg-slate-50 disabled:opacity-60"
      >
        {busy ? "Applying…" : "Macros"}
      </button>
      {open ? (
        <div id={`${id}-panel`} className="absolute right-0 z-20 mt-1 w-80 rounded-xl border border-slate-200 bg-white shadow-lg">
          <label htmlFor={`${id}-search`} className="sr-only">
            Search macros
          </label>
          <input
            ref={search}
            id={`${id}-search`}
            role="combobox"
            aria-expanded
            aria-controls={`${id}-list`}
            aria-autocomplete="list"
            aria-activedescendant={shown[active] ? `${id}-list-${shown[active].id}` : undefined}
            value={query}
            placeholder="Search macros…"
            onChange={(event) => {
              setQuery(event.target.value);
              setActive(0);
            }}
            onKeyDown={(event) => listKeys(event, shown.length, active, setActive, () => choose(shown[active]!), close)}
            onBlur={(event) => {
              if (!event.currentTarget.parentElement?.contains(event.relatedTarget as Node | null)) setOpen(false);
            }}
            className="block w-full rounded-t-xl border-b border-slate-200 px-3 py-2 text-sm outline-none focus:ring-2 focus:ring-brand-500/30"
          />
          <MacroOptions id={`${id}-list`} macros={shown} active={active} onChoose={choose} label="Macros" />
        </div>
      ) : null}
    </div>
  );
}
