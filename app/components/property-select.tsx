import * as Select from "@radix-ui/react-select";
import { useHydrated } from "~/hooks/use-hydrated";

type Option = { value: string; label: string };

/** Radix's empty-string value means "no selection", so "none" stands in for an empty choice. */
const NONE = "__none__";

/**
 * A Radix Select once JavaScript runs; a native select before that, so the form also works
 * without it. Both submit `name` with the same values.
 */
export function PropertySelect({ id, name, label, defaultValue, options }: { id: string; name: string; label: string; defaultValue: string; options: Option[] }) {
  const hydrated = useHydrated();
  const labelElement = (
    <label htmlFor={id} id={`${id}-label`} className="block text-xs font-semibold uppercase tracking-wide text-slate-500">
      {label}
    </label>
  );
  if (!hydrated) {
    return (
      <div className="space-y-1">
        {labelElement}
        <select id={id} name={name} defaultValue={defaultValue} className="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm">
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
    );
  }
  return (
    <div className="space-y-1">
      {labelElement}
      <Select.Root name={name} defaultValue={defaultValue || NONE}>
        <Select.Trigger
          id={id}
          aria-labelledby={`${id}-label`}
          className="flex w-full items-center justify-between rounded-lg border border-slate-300 bg-white px-3 py-2 text-left text-sm text-slate-900 data-[state=open]:border-brand-500"
        >
          <Select.Value />
          <Select.Icon aria-hidden className="text-slate-500">
            ▾
          </Select.Icon>
        </Select.Trigger>
        <Select.Portal>
          <Select.Content position="popper" sideOffset={4} className="z-50 max-h-72 min-w-[var(--radix-select-trigger-width)] overflow-hidden rounded-xl border border-slate-200 bg-white p-1 shadow-xl">
            <Select.Viewport>
              {options.map((option) => (
                <Select.Item
                  key={option.value || NONE}
                  value={option.value || NONE}
                  className="cursor-pointer rounded-lg px-2.5 py-1.5 text-sm text-slate-800 outline-none data-[highlighted]:bg-brand-500/10 data-[state=checked]:font-semibold"
                >
                  <Select.ItemText>{option.label}</Select.ItemText>
                </Select.Item>
              ))}
            </Select.Viewport>
          </Select.Content>
        </Select.Portal>
      </Select.Root>
    </div>
  );
}

/** Turns the Radix stand-in for "none" back into an empty field before the form is parsed. */
export function normalizePropertySelects(form: FormData): FormData {
  for (const [key, value] of [...form.entries()]) if (value === NONE) form.set(key, "");
  return form;
}
