import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { sessionCookie } from "~/auth/session-cookie.server";
import { createSession } from "~/auth/sessions.server";
import { AuthCard } from "~/components/auth-card";
import { Button, FormErrors, TextField } from "~/components/form-fields";
import { replyOnAppError } from "~/http/route-errors.server";
import { acceptInvite, findPendingInvite } from "~/team/invites.server";
import { acceptInviteSchema } from "~/team/team-schemas";

export const handle = access("public");

export async function loader({ params, context }: LoaderFunctionArgs) {
  const invite = await findPendingInvite(context.db, params.token ?? "");
  return { invite: invite ? { email: invite.email, role: invite.role } : null };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: acceptInviteSchema });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields: ["password"] }) }, { status: 400 });
  const account = submission.value;
  return replyOnAppError(
    submission,
    async () => {
      const user = await acceptInvite(context.db, params.token ?? "", account);
      const { token } = await createSession(
        context.db,
        user.id,
        { authMethod: "invite", ipAddress: context.clientIp, userAgent: request.headers.get("user-agent") },
        context.services.auth,
      );
      return redirect("/dashboard", { headers: { "Set-Cookie": await sessionCookie(context.services.auth).serialize(token) } });
    },
    { hideFields: ["password"], formErrorsOutside: true, body: (result, error) => ({ result, error: error.message }) },
  );
}

export default function AcceptInvite() {
  const { invite } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    constraint: getZodConstraint(acceptInviteSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: acceptInviteSchema }),
  });
  if (!invite) {
    return (
      <AuthCard title="This invite link cannot be used" subtitle="It is invalid, was already used, or has expired.">
        <p className="text-sm text-slate-600">Ask an admin of this workspace to send you a new invite.</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Join the team" subtitle={`You are invited as ${invite.role === "admin" ? "an admin" : "an agent"} with ${invite.email}.`}>
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        <FormErrors id={form.errorId} errors={actionData && "error" in actionData ? [String(actionData.error)] : form.errors} />
        <TextField field={fields.name} label="Your name" autoComplete="name" />
        <TextField field={fields.password} label="Choose a password" type="password" autoComplete="new-password" hint="At least 10 characters." />
        <Button className="w-full">Join and sign in</Button>
      </Form>
    </AuthCard>
  );
}
