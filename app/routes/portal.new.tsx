import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useMemo } from "react";
import { access } from "~/auth/access";
import { CsrfInput, FormErrors, SelectField, TextAreaField, TextField } from "~/components/form-fields";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalButton, PortalCard } from "~/components/portal-shell";
import { replyOnAppError } from "~/http/route-errors.server";
import { getPortalCustomer } from "~/portal/customer-sessions.server";
import { admitRequestForm, fileRequestForm, HONEYPOT_FIELD } from "~/portal/portal-request-form.server";
import { portalRequestSchema, type PortalRequestFields } from "~/portal/portal-schemas";
import { getPortalSettings } from "~/portal/portal-settings.server";
import { issueRequestFormToken } from "~/portal/request-form-token.server";

export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "Submit a request" }];
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const [settings, customer] = await Promise.all([getPortalSettings(context.db), getPortalCustomer(request, context)]);
  return {
    categories: settings.categories,
    formToken: issueRequestFormToken(context.services.auth.sessionSecret, context.tenant.id),
    customer: customer ? { name: customer.name, email: customer.email } : null,
  };
}

type ActionData = { result: SubmissionResult<string[]>; error?: string; formToken?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  const { categories } = await getPortalSettings(context.db);
  const submission = parseWithZod(formData, { schema: portalRequestSchema(categories) });
  return replyOnAppError(
    submission,
    async () => {
      const idempotencyKey = await admitRequestForm(context, { honeypot: formData.get(HONEYPOT_FIELD), formToken: formData.get("formToken") });
      if (submission.status !== "success") return data<ActionData>({ result: submission.reply() }, { status: 400 });
      return redirect(await fileRequestForm(context, new URL(request.url).origin, { ...submission.value, idempotencyKey }));
    },
    {
      formErrorsOutside: true,
      body: (result, error): ActionData => ({
        result,
        error: error.message,
        ...(error.details?.freshFormToken ? { formToken: issueRequestFormToken(context.services.auth.sessionSecret, context.tenant.id) } : {}),
      }),
    },
  );
}

export default function NewPortalRequest() {
  const { categories, formToken, customer } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const schema = useMemo(() => portalRequestSchema(categories), [categories]);
  const [form, fields] = useForm<PortalRequestFields>({
    id: "portal-request",
    lastResult: actionData?.result,
    defaultValue: customer ?? undefined,
    constraint: getZodConstraint(schema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  const sending = navigation.state === "submitting" && navigation.formAction === "/portal/new";
  return (
    <PortalCard title="Submit a request" description="All fields are required. We answer by email and here in the help center.">
      <Form method="post" {...getFormProps(form)} className="relative grid gap-4">
        <CsrfInput />
        {/* Server-side refusals stay outside Conform: a form-level error in its result would block the next submit. */}
        <FormErrors id={form.errorId} errors={actionData?.error ? [actionData.error] : form.errors} />
        <input type="hidden" name="formToken" value={actionData?.formToken ?? formToken} />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField field={fields.name} label="Your name" autoComplete="name" />
          <TextField field={fields.email} label="Email" type="email" autoComplete="email" hint="We send the confirmation and our answers here." />
        </div>
        {categories.length > 0 ? (
          <SelectField
            field={fields.category}
            label="Category"
            options={[{ value: "", label: "Choose a category…" }, ...categories.map((category) => ({ value: category, label: category }))]}
          />
        ) : null}
        <TextField field={fields.subject} label="Subject" />
        <TextAreaField field={fields.message} label="How can we help?" rows={8} />
        <div aria-hidden="true" className="absolute -left-[10000px] top-0 h-px w-px overflow-hidden">
          <label htmlFor="portal-request-website">Leave this field empty</label>
          <input id="portal-request-website" name={HONEYPOT_FIELD} type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>
        <div>
          <PortalButton disabled={sending}>{sending ? "Sending…" : "Send request"}</PortalButton>
        </div>
      </Form>
    </PortalCard>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
