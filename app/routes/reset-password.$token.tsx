import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { findUsableReset, resetPassword } from "~/auth/password-reset.server";
import { resetPasswordSchema } from "~/auth/password-reset-schema";
import { AuthCard } from "~/components/auth-card";
import { Button, FormErrors, TextField } from "~/components/form-fields";
import { replyOnAppError } from "~/http/route-errors.server";

export const handle = access("public");

const hideFields = ["newPassword", "confirmPassword"];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const reset = await findUsableReset(context.db, params.token ?? "");
  return reset ? { email: reset.email } : data({ email: null }, { status: 410 });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: resetPasswordSchema });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields }) }, { status: 400 });
  const { newPassword } = submission.value;
  return replyOnAppError(
    submission,
    async () => {
      await resetPassword(context, params.token ?? "", newPassword);
      return redirect("/login?reset=done");
    },
    { hideFields, formErrorsOutside: true, body: (result, error) => ({ result, error: error.message, linkInvalid: error.code === "reset_link_invalid" }) },
  );
}

export default function ResetPassword() {
  const { email } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    constraint: getZodConstraint(resetPasswordSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: resetPasswordSchema }),
  });
  if (!email || (actionData && "linkInvalid" in actionData && actionData.linkInvalid)) {
    return (
      <AuthCard title="This reset link cannot be used" subtitle="It is invalid, was already used, or has expired.">
        <p className="text-sm text-slate-600">
          <Link to="/forgot-password" className="font-medium text-brand-700 hover:underline">
            Ask for a new link
          </Link>{" "}
          or{" "}
          <Link to="/login" className="font-medium text-brand-700 hover:underline">
            sign in
          </Link>
          .
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password" subtitle={`For ${email}. Every session of your account will be signed out.`}>
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        <FormErrors id={form.errorId} errors={actionData && "error" in actionData ? [String(actionData.error)] : form.errors} />
        {/* Lets password managers store the new password under the right account. */}
        <input type="hidden" name="username" autoComplete="username" value={email} />
        <TextField field={fields.newPassword} label="New password" type="password" autoComplete="new-password" hint="At least 10 characters." />
        <TextField field={fields.confirmPassword} label="Repeat the new password" type="password" autoComplete="new-password" />
        <Button className="w-full">Set the new password</Button>
      </Form>
    </AuthCard>
  );
}
