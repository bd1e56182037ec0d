import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { AuthCard } from "~/components/auth-card";
import { Button, FormErrors } from "~/components/form-fields";
import { onAppError } from "~/http/route-errors.server";
import { confirmEmailChange, findEmailChange } from "~/team/email-change.server";

export const handle = access("public");

// An unusable link answers 200 with the page that says so: after a confirmation this loader runs again, and its status would replace the action's.
export async function loader({ params, context }: LoaderFunctionArgs) {
  return { change: await findEmailChange(context.db, params.token ?? "") };
}

// Confirming is a POST from this page: mail scanners that open links must not confirm on their own.
export async function action({ params, context }: ActionFunctionArgs) {
  return onAppError(
    async () => ({ confirmed: (await confirmEmailChange(context.db, params.token ?? "", context.services.mail.originFor(context.tenant))).newEmail }),
    (error) => ({ error: error.message }),
  );
}

export default function ConfirmEmail() {
  const { change } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  if (actionData && "confirmed" in actionData) {
    return (
      <AuthCard title="Your email is changed" subtitle={`You now sign in with ${actionData.confirmed}.`}>
        <p className="text-sm">
          <Link to="/login" className="font-medium text-brand-700 hover:underline">
            Go to sign in
          </Link>
        </p>
      </AuthCard>
    );
  }
  if (actionData && "error" in actionData) {
    return (
      <AuthCard title="Your email could not be changed">
        <FormErrors id="confirm-email-error" errors={[actionData.error]} />
      </AuthCard>
    );
  }
  if (!change) {
    return (
      <AuthCard title="This confirmation link cannot be used" subtitle="It is invalid, was already used or cancelled, or has expired.">
        <p className="text-sm text-slate-600">Ask for the change again from your profile.</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Confirm your new email" subtitle={`Sign in with ${change.newEmail} instead of ${change.oldEmail}.`}>
      <Form method="post">
        <Button className="w-full">Confirm the new email</Button>
      </Form>
    </AuthCard>
  );
}
