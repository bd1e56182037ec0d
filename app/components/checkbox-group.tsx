import { getCollectionProps, type FieldMetadata } from "@conform-to/react";
import { FieldErrors } from "./form-fields";

/** Checkboxes sharing one name; errors about any chosen value (a hand-made request) show beside the group. */
export function CheckboxGroup({
  field,
  legend,
  options,
  hint,
}: {
  field: FieldMetadata<string[] | undefined>;
  legend: string;
  options: Array<{ value: string; label: string }>;
  hint?: string;
}) {
  const errors = [...new Set(Object.values(field.allErrors).flat())];
  const labels = new Map(options.map((option) => [option.value, option.label]));
  return (
    <fieldset className="min-w-0 space-y-2">
      <legend className="text-sm font-medium text-slate-700">{legend}</legend>
      {hint ? <p className="text-xs text-slate-500">{hint}</p> : null}
      <div className="flex flex-wrap gap-x-5 gap-y-2">
        {getCollectionProps(field, { type: "checkbox", options: options.map((option) => option.value), ariaInvalid: "allErrors" }).map(({ key, ...props }) => (
          <label key={key} className="flex items-center gap-2 text-sm text-slate-700">
            <input {...props} className="h-4 w-4 rounded border-slate-300 accent-brand-600" />
            {labels.get(props.value)}
          </label>
        ))}
      </div>
      <FieldErrors id={field.errorId} errors={errors} />
    </fieldset>
  );
}
