import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { access } from "~/auth/access";
import { CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalButton, PortalCard } from "~/components/portal-shell";
import { replyOnAppError } from "~/http/route-errors.server";
import { getPortalCustomer, signInCustomer } from "~/portal/customer-sessions.server";
import { portalRedirectTarget, signInCodeSchema, signInEmailSchema } from "~/portal/portal-schemas";
import { CODE_TTL_MINUTES, requestSignInCode, signInWithCode } from "~/portal/sign-in-codes.server";

export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "Sign in to the help center" }];
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = portalRedirectTarget(new URL(request.url).searchParams.get("redirectTo"));
  if (await getPortalCustomer(request, context)) throw redirect(redirectTo);
  return { redirectTo };
}

type ActionData =
  | { step: "email"; result: SubmissionResult<string[]>; error?: string }
  | { step: "code"; email: string; redirectTo: string; result?: SubmissionResult<string[]>; error?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  if (formData.get("intent") === "verify") {
    const step = { step: "code", email: String(formData.get("email") ?? ""), redirectTo: portalRedirectTarget(formData.get("redirectTo")) } as const;
    const submission = parseWithZod(formData, { schema: signInCodeSchema });
    if (submission.status !== "success") return data<ActionData>({ ...step, result: submission.reply({ hideFields: ["code"] }) }, { status: 400 });
    const entered = submission.value;
    return replyOnAppError(
      submission,
      async () => redirect(step.redirectTo, { headers: { "Set-Cookie": await signInCustomer(context, await signInWithCode(context, entered)) } }),
      {
        hideFields: ["code"],
        formErrorsOutside: true,
        body: (result, error): ActionData => ({ ...step, result, ...(error.details?.field ? {} : { error: error.message }) }),
      },
    );
  }

  const submission = parseWithZod(formData, { schema: signInEmailSchema });
  if (submission.status !== "success") return data<ActionData>({ step: "email", result: submission.reply() }, { status: 400 });
  const { email } = submission.value;
  const redirectTo = portalRedirectTarget(submission.value.redirectTo);
  return replyOnAppError(
    submission,
    async () => {
      await requestSignInCode(context, { email, origin: new URL(request.url).origin, redirectTo });
      return data<ActionData>({ step: "code", email, redirectTo });
    },
    { formErrorsOutside: true, body: (result, error): ActionData => ({ step: "email", result, error: error.message }) },
  );
}

export default function PortalSignIn() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return actionData?.step === "code" ? <CodeStep state={actionData} /> : <EmailStep redirectTo={redirectTo} state={actionData} />;
}

function EmailStep({ redirectTo, state }: { redirectTo: string; state: Extract<ActionData, { step: "email" }> | undefined }) {
  const navigation = useNavigation();
  const [form, fields] = useForm({
    id: "portal-sign-in",
    lastResult: state?.result,
    constraint: getZodConstraint(signInEmailSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: signInEmailSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <PortalCard title="Sign in" description="No password needed: we email you a one-time code and a sign-in link.">
        <Form method="post" {...getFormProps(form)} className="space-y-4">
          <CsrfInput />
          <FormErrors id={form.errorId} errors={state?.error ? [state.error] : form.errors} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <TextField field={fields.email} label="Email" type="email" autoComplete="email" hint="The address you used for your requests." />
          <PortalButton className="w-full" disabled={navigation.state === "submitting"}>
            {navigation.state === "submitting" ? "Sending…" : "Email me a sign-in code"}
          </PortalButton>
        </Form>
      </PortalCard>
    </div>
  );
}

function CodeStep({ state }: { state: Extract<ActionData, { step: "code" }> }) {
  const navigation = useNavigation();
  const [form, fields] = useForm({
    id: "portal-code",
    lastResult: state.result,
    constraint: getZodConstraint(signInCodeSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: signInCodeSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <PortalCard title="Check your email">
        <p role="status" className="text-slate-700" data-testid="code-sent">
          If <span className="font-medium">{state.email}</span> is the address of one of our customers, we have sent a 6-digit code and a sign-in link to it.
          They work once, for {CODE_TTL_MINUTES} minutes.
        </p>
        <Form method="post" {...getFormProps(form)} className="mt-6 space-y-4">
          <CsrfInput />
          <FormErrors id={form.errorId} errors={state.error ? [state.error] : form.errors} />
          <input type="hidden" name="intent" value="verify" />
          <input type="hidden" name="email" value={state.email} />
          <input type="hidden" name="redirectTo" value={state.redirectTo} />
          <TextField field={fields.code} label="Sign-in code" autoComplete="one-time-code" placeholder="123456" />
          <PortalButton className="w-full" disabled={navigation.state === "submitting"}>
            {navigation.state === "submitting" ? "Checking…" : "Sign in"}
          </PortalButton>
        </Form>
        <Form method="post" className="mt-4 flex flex-wrap items-center justify-between gap-2 text-sm">
          <CsrfInput />
          <input type="hidden" name="email" value={state.email} />
          <input type="hidden" name="redirectTo" value={state.redirectTo} />
          <button type="submit" className="font-medium text-slate-700 underline hover:text-slate-900">
            Send a new code
          </button>
          <Link to="/portal/login" reloadDocument className="font-medium text-slate-700 underline hover:text-slate-900">
            Use another email
          </Link>
        </Form>
      </PortalCard>
    </div>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
