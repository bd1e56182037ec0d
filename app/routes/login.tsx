import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { access } from "~/auth/access";
import { passwordAuthenticator } from "~/auth/authenticator.server";
import { loginSchema } from "~/auth/login-schema";
import { startPendingSignIn } from "~/auth/password-sign-in.server";
import { safeRedirectTarget } from "~/auth/redirect-target";
import { sessionCookie } from "~/auth/session-cookie.server";
import { ssoErrorMessage } from "~/auth/sso-errors";
import { isSsoEnabled } from "~/auth/sso-settings.server";
import { AuthCard } from "~/components/auth-card";
import { Button, FormErrors, TextField } from "~/components/form-fields";
import { Notice } from "~/components/section";
import { replyOnAppError } from "~/http/route-errors.server";

export const handle = access("public");

/** Carries the action's Retry-After onto the document response. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const redirectTo = safeRedirectTarget(url.searchParams.get("redirectTo"));
  if (context.auth) throw redirect(redirectTo);
  return {
    redirectTo,
    ssoEnabled: await isSsoEnabled(context.db),
    ssoError: ssoErrorMessage(url.searchParams.get("sso_error")),
    passwordReset: url.searchParams.get("reset") === "done",
    secondStepExpired: url.searchParams.get("two_factor") === "expired",
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  // remix-auth reads the body itself; a copy is parsed here to show field errors and echo the email back.
  const submission = parseWithZod(await request.clone().formData(), { schema: loginSchema });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields: ["password"] }) }, { status: 400 });
  return replyOnAppError(
    submission,
    async () => {
      const outcome = await passwordAuthenticator(context, {
        userAgent: request.headers.get("user-agent"),
        origin: new URL(request.url).origin,
      }).authenticate("password", request);
      const redirectTo = safeRedirectTarget(outcome.redirectTo);
      if ("secondFactor" in outcome) {
        return redirect("/login/two-factor", { headers: { "Set-Cookie": await startPendingSignIn(context, outcome.secondFactor, redirectTo) } });
      }
      return redirect(redirectTo, { headers: { "Set-Cookie": await sessionCookie(context.services.auth).serialize(outcome.token) } });
    },
    { hideFields: ["password"], formErrorsOutside: true, body: (result, error) => ({ result, error: error.message }) },
  );
}

export default function Login() {
  const { redirectTo, ssoEnabled, ssoError, passwordReset, secondStepExpired } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    constraint: getZodConstraint(loginSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: loginSchema }),
  });
  return (
    <AuthCard title="Sign in" subtitle="Agents and admins of this workspace">
      {passwordReset ? <Notice>Your password is changed and every session of your account is signed out. Sign in with the new password.</Notice> : null}
      {ssoError ? <FormErrors id="sso-error" errors={[ssoError]} /> : null}
      {secondStepExpired ? (
        <FormErrors id="two-factor-expired" errors={["Your sign-in was not finished in time. Enter your email and password again."]} />
      ) : null}
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        {/* Server-side refusals stay outside Conform: a form-level error in its result would block the next submit. */}
        <FormErrors id={form.errorId} errors={actionData && "error" in actionData ? [String(actionData.error)] : form.errors} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <TextField field={fields.email} label="Email" type="email" autoComplete="username" />
        <TextField field={fields.password} label="Password" type="password" autoComplete="current-password" />
        <p className="text-right text-sm">
          <Link to="/forgot-password" className="font-medium text-brand-700 hover:underline">
            Forgot your password?
          </Link>
        </p>
        <Button className="w-full" disabled={navigation.state === "submitting"}>
          {navigation.state === "submitting" ? "Signing in…" : "Sign in"}
        </Button>
      </Form>
      {ssoEnabled ? (
        <div className="mt-6 border-t border-slate-200 pt-6">
          <a
            href={`/auth/sso?${new URLSearchParams({ redirectTo })}`}
            className="flex w-full items-center justify-center rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 hover:bg-slate-50"
          >
            Sign in with your company account (SSO)
          </a>
        </div>
      ) : null}
    </AuthCard>
  );
}
