import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { access } from "~/auth/access";
import { clearPendingSignIn, completePasswordSignIn, readPendingSignIn } from "~/auth/password-sign-in.server";
import { safeRedirectTarget } from "~/auth/redirect-target";
import { sessionCookie } from "~/auth/session-cookie.server";
import { secondFactorSchema } from "~/auth/two-factor-schema";
import { AuthCard } from "~/components/auth-card";
import { Button, FormErrors, TextField } from "~/components/form-fields";
import { replyOnAppError } from "~/http/route-errors.server";

export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "Two-factor sign-in" }];

/** Carries the action's Retry-After onto the document response. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

/** Back to the password, with the pending sign-in forgotten: it expired, or no longer holds. */
async function startOver(context: LoaderFunctionArgs["context"]) {
  return redirect("/login?two_factor=expired", { headers: { "Set-Cookie": await clearPendingSignIn(context) } });
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (context.auth) throw redirect("/dashboard");
  if (!(await readPendingSignIn(context, request.headers.get("cookie")))) throw await startOver(context);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const pending = await readPendingSignIn(context, request.headers.get("cookie"));
  if (!pending) return startOver(context);
  const submission = parseWithZod(await request.formData(), { schema: secondFactorSchema });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields: ["code"] }) }, { status: 400 });
  return replyOnAppError(
    submission,
    async () => {
      const signedIn = await completePasswordSignIn(context, pending, { code: submission.value.code, userAgent: request.headers.get("user-agent") });
      if (!signedIn) return startOver(context);
      const headers = new Headers();
      headers.append("Set-Cookie", await sessionCookie(context.services.auth).serialize(signedIn.token));
      headers.append("Set-Cookie", await clearPendingSignIn(context));
      return redirect(safeRedirectTarget(pending.redirectTo), { headers });
    },
    { hideFields: ["code"], formErrorsOutside: true, body: (result, error) => ({ result, error: error.message }) },
  );
}

export default function TwoFactorSignIn() {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    constraint: getZodConstraint(secondFactorSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: secondFactorSchema }),
  });
  return (
    <AuthCard title="Two-factor sign-in" subtitle="Your password was right. One more step.">
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        {/* Server-side refusals stay outside Conform, as on the sign-in page: a form-level error would block the next submit. */}
        <FormErrors id={form.errorId} errors={actionData && "error" in actionData ? [String(actionData.error)] : form.errors} />
        <TextField
          field={fields.code}
          label="Code"
          autoComplete="one-time-code"
          hint="The 6-digit code your authenticator app shows now, or one of your recovery codes."
        />
        <Button className="w-full" disabled={navigation.state === "submitting"}>
          {navigation.state === "submitting" ? "Checking…" : "Sign in"}
        </Button>
      </Form>
      <p className="text-sm">
        <Link to="/login" className="font-semibold text-brand-700 hover:underline">
          Back to sign in
        </Link>
      </p>
    </AuthCard>
  );
}
