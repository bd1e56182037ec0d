import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { Form, Link, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import type { CustomerInput } from "~/customers/customer-schemas";
import type { validateCustomerForm } from "~/customers/customer-form-validation";
import { Button, CsrfInput, FormErrors, TextField } from "./form-fields";

type Constraint = NonNullable<Parameters<typeof useForm>[0]["constraint"]>;

type CustomerFormValues = { name: string; email: string; company: string; phone: string };

/**
 * The create and edit form of a customer. The server parses the same schema, so the field errors
 * the browser shows on blur (once the checks have loaded, just after hydration) are the ones a submit
 * without JavaScript gets back. `constraint` comes from the loader (customerFormConstraint).
 */
export function CustomerForm({
  id,
  lastResult,
  defaultValue,
  submitLabel,
  cancelTo,
  constraint,
}: {
  constraint: Constraint;
  id: string;
  lastResult?: SubmissionResult<string[]>;
  defaultValue?: CustomerFormValues;
  submitLabel: string;
  cancelTo: string;
}) {
  const [validate, setValidate] = useState<typeof validateCustomerForm | null>(null);
  useEffect(() => {
    void import("~/customers/customer-form-validation").then((module) => setValidate(() => module.validateCustomerForm));
  }, []);
  // The schema preprocesses empty optional fields, which types them as unknown; every field is a text input.
  const [form, fields] = useForm<{ name: string; email: string; company?: string; phone?: string }, CustomerInput>({
    id,
    lastResult,
    defaultValue,
    constraint,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: validate ? ({ formData }) => validate(formData) : undefined,
  });
  const submitting = useNavigation().state === "submitting";
  return (
    <Form method="post" {...getFormProps(form)} className="space-y-5">
      <CsrfInput />
      <FormErrors id={form.errorId} errors={form.errors} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField field={fields.name} label="Name" autoComplete="off" />
        <TextField field={fields.email} label="Email" type="email" autoComplete="off" />
        <TextField field={fields.company} label="Company (optional)" autoComplete="off" />
        <TextField field={fields.phone} label="Phone (optional)" autoComplete="off" />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Button disabled={submitting}>{submitting ? "Saving…" : submitLabel}</Button>
        <Link to={cancelTo} className="rounded-lg px-4 py-2 text-sm font-semibold text-slate-700 hover:bg-slate-100">
          Cancel
        </Link>
      </div>
    </Form>
  );
}
