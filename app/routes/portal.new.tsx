import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useMemo } from "react";
import { AppError } from "~/app-error";
import { access } from "~/auth/access";
import { RateLimitedError } from "~/auth/rate-limits.server";
import { CsrfInput, FormErrors, SelectField, TextAreaField, TextField } from "~/components/form-fields";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalButton, PortalCard } from "~/components/portal-shell";
import { getPortalCustomer } from "~/portal/customer-sessions.server";
import { consumeOrRefuse, portalRateLimits } from "~/portal/portal-rate-limits.server";
import { findSubmittedRequest, requestReceipt, submitPortalRequest } from "~/portal/portal-requests.server";
import { portalRequestSchema, type PortalRequestFields } from "~/portal/portal-schemas";
import { getPortalSettings } from "~/portal/portal-settings.server";
import { checkRequestFormToken, issueRequestFormToken } from "~/portal/request-form-token.server";

export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "Submit a request" }];
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

/** The spam trap: hidden from people and assistive technology, filled in by form-stuffing bots. */
const HONEYPOT = "website";

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
  const { tenant, services } = context;
  const formData = await request.formData();
  const { categories } = await getPortalSettings(context.db);
  const submission = parseWithZod(formData, { schema: portalRequestSchema(categories) });
  const limits = portalRateLimits(services);
  const ipKey = `${tenant.id}:${context.clientKey}`;
  const refuse = (status: number, error: string, fresh = false, headers?: HeadersInit) =>
    data<ActionData>({ result: submission.reply(), error, ...(fresh ? { formToken: issueRequestFormToken(services.auth.sessionSecret, tenant.id) } : {}) }, { status, headers });

  if (String(formData.get(HONEYPOT) ?? "") !== "") {
    await limits.requestsByIp.penalty(ipKey, 1);
    return refuse(400, "We could not accept this request. If you are a person, leave the field marked “Leave this field empty” empty and send it again.");
  }
  const token = checkRequestFormToken(services.auth.sessionSecret, tenant.id, formData.get("formToken"));
  if (!token.ok) {
    if (token.reason === "too_fast") return refuse(400, "That was faster than a person can fill in this form, so we did not send it. Check your request and send it again.");
    return refuse(400, token.reason === "expired" ? "This form was open for too long. We kept what you wrote: send it again." : "We could not check this form. We kept what you wrote: send it again.", true);
  }
  if (submission.status !== "success") return data<ActionData>({ result: submission.reply() }, { status: 400 });

  const origin = new URL(request.url).origin;
  const confirmation = (number: number) => `/portal/received/${number}?${new URLSearchParams({ receipt: requestReceipt(services.auth.sessionSecret, tenant.id, number) })}`;
  try {
    // A retry of a form that already went through is answered without counting against the limit.
    const previous = await findSubmittedRequest(context.db, token.idempotencyKey, submission.value.email);
    if (previous) return redirect(confirmation(previous.number));
    await consumeOrRefuse([[limits.requestsByIp, ipKey]]);
    const { number } = await submitPortalRequest(context.db, origin, { ...submission.value, idempotencyKey: token.idempotencyKey });
    return redirect(confirmation(number));
  } catch (error) {
    if (error instanceof RateLimitedError) {
      return refuse(429, `You have sent several requests in a short time. ${error.message} We kept what you wrote.`, false, { "Retry-After": String(error.retryAfterSeconds) });
    }
    if (AppError.is(error) && error.code === "form_reused") return refuse(409, error.message, true);
    throw error;
  }
}

export default function NewPortalRequest() {
  const { categories, formToken, customer } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
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
          <SelectField field={fields.category} label="Category" options={[{ value: "", label: "Choose a category…" }, ...categories.map((category) => ({ value: category, label: category }))]} />
        ) : null}
        <TextField field={fields.subject} label="Subject" />
        <TextAreaField field={fields.message} label="How can we help?" rows={8} />
        <div aria-hidden="true" className="absolute -left-[10000px] top-0 h-px w-px overflow-hidden">
          <label htmlFor="portal-request-website">Leave this field empty</label>
          <input id="portal-request-website" name={HONEYPOT} type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>
        <div>
          <PortalButton disabled={sending}>{sending ? "Sending…" : "Send request"}</PortalButton>
        </div>
      </Form>
    </PortalCard>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
