import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useRouteLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { PASSWORD_RESET_TTL_MINUTES, requestPasswordReset } from "~/auth/password-reset.server";
import { forgotPasswordSchema } from "~/auth/password-reset-schema";
import { AuthCard } from "~/components/auth-card";
import { Button, FormErrors, TextField } from "~/components/form-fields";
import { replyOnAppError } from "~/http/route-errors.server";

export const handle = access("public");

/** Carries the action's Retry-After onto the document response. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export function loader({ context }: LoaderFunctionArgs) {
  if (context.auth) throw redirect("/settings/profile");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: forgotPasswordSchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { email } = submission.value;
  return replyOnAppError(
    submission,
    async () => {
      await requestPasswordReset(context, email);
      // The same answer whether or not the address belongs to anyone: it names nothing it was given.
      return { sent: true as const };
    },
    { formErrorsOutside: true, body: (result, error) => ({ result, error: error.message }) },
  );
}

export default function ForgotPassword() {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const workspace = useRouteLoaderData<{ workspace: { name: string } }>("root")?.workspace.name ?? "this workspace";
  const [form, fields] = useForm({
    lastResult: actionData && "result" in actionData ? actionData.result : undefined,
    constraint: getZodConstraint(forgotPasswordSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: forgotPasswordSchema }),
  });
  if (actionData && "sent" in actionData) {
    return (
      <AuthCard title="Check your email">
        <p role="status" className="text-sm text-slate-700">
          {`If that address belongs to a member of ${workspace} who signs in with a password, we sent it a link to choose a new password. The link works once, for ${PASSWORD_RESET_TTL_MINUTES} minutes.`}
        </p>
        <BackToSignIn />
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Forgot your password?" subtitle="We email you a link to choose a new one.">
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        <FormErrors id={form.errorId} errors={actionData && "error" in actionData ? [String(actionData.error)] : form.errors} />
        <TextField field={fields.email} label="Email" type="email" autoComplete="username" />
        <Button className="w-full" disabled={navigation.state === "submitting"}>
          {navigation.state === "submitting" ? "Sending…" : "Email me a link"}
        </Button>
      </Form>
      <BackToSignIn />
    </AuthCard>
  );
}

function BackToSignIn() {
  return (
    <p className="text-sm">
      <Link to="/login" className="font-semibold text-brand-700 hover:underline">
        Back to sign in
      </Link>
    </p>
  );
}
