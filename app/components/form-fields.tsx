import { getInputProps, getSelectProps, getTextareaProps, type FieldMetadata } from "@conform-to/react";
import { useRouteLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";

type InputType = "text" | "email" | "password" | "url" | "search";

/** A labelled input whose errors render next to it, wired with aria-invalid / aria-describedby. */
export function TextField({
  field,
  label,
  type = "text",
  hint,
  autoComplete,
  placeholder,
}: {
  field: FieldMetadata<string>;
  label: string;
  type?: InputType;
  hint?: ReactNode;
  autoComplete?: string;
  placeholder?: string;
}) {
  const invalid = Boolean(field.errors?.length);
  const hintId = hint ? `${field.id}-hint` : undefined;
  const { key, ...inputProps } = getInputProps(field, { type, ariaDescribedBy: hintId });
  return (
    <div className="space-y-1.5">
      <label htmlFor={field.id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        key={key}
        {...inputProps}
        autoComplete={autoComplete}
        placeholder={placeholder}
        className={`block w-full rounded-lg border bg-white px-3 py-2 text-slate-900 shadow-sm outline-none transition focus:ring-2 ${
          invalid ? "border-rose-400 focus:border-rose-500 focus:ring-rose-200" : "border-slate-300 focus:border-brand-500 focus:ring-brand-500/30"
        }`}
      />
      {hint ? (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

const controlClass = (invalid: boolean) =>
  `block w-full rounded-lg border bg-white px-3 py-2 text-slate-900 shadow-sm outline-none transition focus:ring-2 ${
    invalid ? "border-rose-400 focus:border-rose-500 focus:ring-rose-200" : "border-slate-300 focus:border-brand-500 focus:ring-brand-500/30"
  }`;

export function TextAreaField({ field, label, rows = 6, placeholder }: { field: FieldMetadata<string>; label: string; rows?: number; placeholder?: string }) {
  const { key, ...props } = getTextareaProps(field);
  return (
    <div className="space-y-1.5">
      <label htmlFor={field.id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea key={key} {...props} rows={rows} placeholder={placeholder} className={controlClass(Boolean(field.errors?.length))} />
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

export function SelectField({ field, label, options }: { field: FieldMetadata<string>; label: string; options: Array<{ value: string; label: string }> }) {
  const { key, ...props } = getSelectProps(field);
  return (
    <div className="space-y-1.5">
      <label htmlFor={field.id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <select key={key} {...props} className={controlClass(Boolean(field.errors?.length))}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

export function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    // The alert role sits on a wrapper: on the <ul> itself it would hide the list's items from assistive tech.
    <div id={id} role="alert" className="text-sm text-rose-700">
      <ul className="space-y-0.5">
        {errors.map((error) => (
          <li key={error}>{error}</li>
        ))}
      </ul>
    </div>
  );
}

export function FormErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <div id={id} role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
      {errors.join(" ")}
    </div>
  );
}

/** The session's CSRF token, required by every state-changing form of a signed-in user. */
export function CsrfInput() {
  const data = useRouteLoaderData<{ csrfToken: string | null }>("root");
  return data?.csrfToken ? <input type="hidden" name="csrf" value={data.csrfToken} /> : null;
}

export function Button({
  children,
  variant = "primary",
  type = "submit",
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "danger" | "ghost" }) {
  const styles = {
    primary: "bg-gradient-primary text-white shadow hover:brightness-110",
    secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50",
    danger: "border border-rose-300 bg-white text-rose-700 hover:bg-rose-50",
    ghost: "text-slate-700 hover:bg-slate-100",
  }[variant];
  return (
    <button
      type={type}
      {...props}
      className={`inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-semibold transition disabled:cursor-not-allowed disabled:opacity-60 ${styles} ${props.className ?? ""}`}
    >
      {children}
    </button>
  );
}

/** A checkbox with its label beside it and its errors below. */
export function Checkbox({ field, label }: { field: FieldMetadata<boolean | undefined>; label: string }) {
  const { key, ...props } = getInputProps(field, { type: "checkbox" });
  return (
    <div>
      <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
        <input key={key} {...props} className="h-4 w-4 rounded border-slate-300 accent-brand-600" />
        {label}
      </label>
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}
