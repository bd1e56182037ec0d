import { Fragment, lazy, Suspense } from "react";
import { useHydrated } from "~/hooks/use-hydrated";
import { groupOptions, NONE, type Option } from "./property-select-shared";

/** A native select's options, under an optgroup per group. */
export function NativeOptions({ options }: { options: Option[] }) {
  return groupOptions(options).map((group, index) => {
    const items = group.options.map((option) => (
      <option key={option.value} value={option.value}>
        {option.label}
      </option>
    ));
    return group.heading ? (
      <optgroup key={group.heading} label={group.heading}>
        {items}
      </optgroup>
    ) : (
      <Fragment key={`group-${index}`}>{items}</Fragment>
    );
  });
}

// Loaded after hydration, so the ticket page's first JavaScript stays within budget.
const RadixPropertySelect = lazy(() => import("./radix-property-select"));

/**
 * A Radix Select once JavaScript runs; a native select before that, so the form also works
 * without it. Both submit `name` with the same values.
 */
export function PropertySelect({
  id,
  name,
  label,
  defaultValue,
  options,
}: {
  id: string;
  name: string;
  label: string;
  defaultValue: string;
  options: Option[];
}) {
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
          <NativeOptions options={options} />
        </select>
      </div>
    );
  }
  return (
    <Suspense
      fallback={
        <div className="space-y-1">
          {labelElement}
          <div className="h-[38px] rounded-lg border border-slate-300" />
        </div>
      }
    >
      <RadixPropertySelect id={id} name={name} labelElement={labelElement} defaultValue={defaultValue} options={options} />
    </Suspense>
  );
}

/** Turns the Radix stand-in for "none" back into an empty field before the form is parsed. */
export function normalizePropertySelects(form: FormData): FormData {
  for (const [key, value] of [...form.entries()]) if (value === NONE) form.set(key, "");
  return form;
}
