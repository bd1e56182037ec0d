import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { formatDistanceToNow } from "date-fns";
import * as z from "zod";
import { rowIdParam } from "~/route-params";
import { access } from "~/auth/access";
import { createApiToken, listApiTokens, revokeApiToken } from "~/auth/api-tokens.server";
import { currentSessionId, requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { replyOnAppError } from "~/http/route-errors.server";
import { cancelEmailChange, pendingEmailChange, requestEmailChange } from "~/team/email-change.server";
import { emailChangeSchema } from "~/team/email-change-schema";
import { changePassword, renameUser } from "~/team/profile.server";
import { changePasswordSchema, profileNameSchema } from "~/team/team-schemas";

export const handle = access("agent");

const createTokenSchema = z.object({ tokenName: z.string({ error: "Name the token" }).trim().min(1, "Name the token").max(80) });
const revokeTokenSchema = z.object({ tokenId: rowIdParam });

export async function loader({ context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  const [tokens, pendingEmail] = await Promise.all([listApiTokens(context.db, user.id), pendingEmailChange(context.db, user.id)]);
  return { user, tokens, pendingEmail };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "rename") {
    const submission = parseWithZod(form, { schema: profileNameSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
    await renameUser(context.db, user, submission.value.name);
    return { intent, result: submission.reply(), notice: "Your name is saved." };
  }
  if (intent === "password") {
    const hideFields = ["currentPassword", "newPassword", "confirmPassword"];
    const submission = parseWithZod(form, { schema: changePasswordSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply({ hideFields }) }, { status: 400 });
    const passwords = submission.value;
    return replyOnAppError(
      submission,
      async () => {
        await changePassword(context.db, user, currentSessionId(context), passwords);
        return { intent, result: submission.reply({ resetForm: true }), notice: "Your password is changed. Your other sessions are signed out." };
      },
      { hideFields, body: (result) => ({ intent, result }) },
    );
  }
  if (intent === "email") {
    const hideFields = ["currentPassword"];
    const submission = parseWithZod(form, { schema: emailChangeSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply({ hideFields }) }, { status: 400 });
    const change = submission.value;
    return replyOnAppError(
      submission,
      async () => {
        await requestEmailChange(context.db, user, change, context.services.mail.originFor(context.tenant));
        return {
          intent,
          result: submission.reply({ resetForm: true }),
          notice: `We sent a link to ${change.newEmail}. Your email changes once you open it there.`,
        };
      },
      { hideFields, body: (result) => ({ intent, result }) },
    );
  }
  if (intent === "cancel-email-change") {
    const cancelled = await cancelEmailChange(context.db, user.id);
    return data(
      { intent, result: null, notice: cancelled ? "The email change is cancelled." : "There is no email change to cancel." },
      { status: cancelled ? 200 : 404 },
    );
  }
  if (intent === "create-token") {
    const submission = parseWithZod(form, { schema: createTokenSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
    const { token } = await createApiToken(context.db, user, submission.value.tokenName);
    return { intent, result: submission.reply({ resetForm: true }), createdToken: token };
  }
  if (intent === "revoke-token") {
    const submission = parseWithZod(form, { schema: revokeTokenSchema });
    if (submission.status !== "success" || !(await revokeApiToken(context.db, user, submission.value.tokenId))) {
      return data({ intent, result: null, notice: "That token does not exist or is already revoked." }, { status: 404 });
    }
    return { intent, result: submission.reply(), notice: "The token is revoked." };
  }
  return data({ intent: null, result: null }, { status: 400 });
}

type ActionData = { intent: unknown; result: SubmissionResult<string[]> | null; notice?: string; createdToken?: string };

export default function Profile() {
  const { user, tokens, pendingEmail } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const resultFor = (intent: string) => (actionData?.intent === intent ? (actionData.result ?? undefined) : undefined);
  const noticeFor = (intent: string) => (actionData?.intent === intent ? actionData.notice : undefined);

  const [nameForm, nameFields] = useForm({
    id: "rename",
    lastResult: resultFor("rename"),
    defaultValue: { name: user.name },
    constraint: getZodConstraint(profileNameSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: profileNameSchema }),
  });
  const [passwordForm, passwordFields] = useForm({
    id: "password",
    lastResult: resultFor("password"),
    constraint: getZodConstraint(changePasswordSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: changePasswordSchema }),
  });
  const [emailForm, emailFields] = useForm({
    id: "email",
    lastResult: resultFor("email"),
    constraint: getZodConstraint(emailChangeSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: emailChangeSchema }),
  });
  const [tokenForm, tokenFields] = useForm({
    id: "create-token",
    lastResult: resultFor("create-token"),
    constraint: getZodConstraint(createTokenSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: createTokenSchema }),
  });

  return (
    <div className="space-y-6">
      <Section title="Your profile" description={`${user.email} · ${user.role}`}>
        <Form method="post" {...getFormProps(nameForm)} className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <CsrfInput />
          <input type="hidden" name="intent" value="rename" />
          <div className="flex-1">
            <TextField field={nameFields.name} label="Name" autoComplete="name" />
          </div>
          <Button>Save name</Button>
        </Form>
        {noticeFor("rename") ? (
          <div className="mt-3">
            <Notice>{noticeFor("rename")}</Notice>
          </div>
        ) : null}
        {/* Also reachable without JavaScript, unlike the account menu. */}
        <Form method="post" action="/logout" className="mt-4">
          <CsrfInput />
          <Button variant="secondary">Sign out of this browser</Button>
        </Form>
      </Section>

      <Section title="Password" description="Changing it signs you out everywhere else.">
        <Form method="post" {...getFormProps(passwordForm)} className="grid gap-4 sm:max-w-md">
          <CsrfInput />
          <input type="hidden" name="intent" value="password" />
          <FormErrors id={passwordForm.errorId} errors={passwordForm.errors} />
          <TextField field={passwordFields.currentPassword} label="Current password" type="password" autoComplete="current-password" />
          <TextField field={passwordFields.newPassword} label="New password" type="password" autoComplete="new-password" hint="At least 10 characters." />
          <TextField field={passwordFields.confirmPassword} label="Repeat the new password" type="password" autoComplete="new-password" />
          <div>
            <Button>Change password</Button>
          </div>
        </Form>
        {noticeFor("password") ? (
          <div className="mt-3">
            <Notice>{noticeFor("password")}</Notice>
          </div>
        ) : null}
      </Section>

      <Section title="Sign-in email" description={`You sign in with ${user.email}. A new address must be confirmed from its own inbox first.`}>
        {pendingEmail ? (
          <div className="mb-4 flex flex-col gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
            <p className="text-sm text-amber-900" data-testid="pending-email-change">
              Waiting for confirmation from <strong>{pendingEmail.newEmail}</strong> (the link expires{" "}
              {formatDistanceToNow(new Date(pendingEmail.expiresAt), { addSuffix: true })}).
            </p>
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="cancel-email-change" />
              <Button variant="secondary">Cancel the change</Button>
            </Form>
          </div>
        ) : null}
        <Form method="post" {...getFormProps(emailForm)} className="grid gap-4 sm:max-w-md">
          <CsrfInput />
          <input type="hidden" name="intent" value="email" />
          <FormErrors id={emailForm.errorId} errors={emailForm.errors} />
          <TextField field={emailFields.newEmail} label="New email" type="email" autoComplete="email" />
          <TextField field={emailFields.currentPassword} label="Current password" type="password" autoComplete="current-password" />
          <div>
            <Button>Send a confirmation link</Button>
          </div>
        </Form>
        {noticeFor("email") || noticeFor("cancel-email-change") ? (
          <div className="mt-3">
            <Notice>{noticeFor("email") ?? noticeFor("cancel-email-change")}</Notice>
          </div>
        ) : null}
      </Section>

      <Section
        title="Personal API tokens"
        description={
          <>
            Use one as <code className="rounded bg-slate-100 px-1">Authorization: Bearer …</code> on <code className="rounded bg-slate-100 px-1">/api/*</code>.
            A token acts as you.
          </>
        }
      >
        {actionData?.createdToken ? (
          <div className="mb-4">
            <Notice>
              Copy your new token now; it will not be shown again:
              <code data-testid="new-api-token" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-slate-900">
                {actionData.createdToken}
              </code>
            </Notice>
          </div>
        ) : null}
        <Form method="post" {...getFormProps(tokenForm)} className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <CsrfInput />
          <input type="hidden" name="intent" value="create-token" />
          <div className="flex-1">
            <TextField field={tokenFields.tokenName} label="Token name" placeholder="e.g. Reporting script" />
          </div>
          <Button>Create token</Button>
        </Form>
        {tokens.length === 0 ? (
          <p className="mt-4 text-sm text-slate-500">You have no API tokens.</p>
        ) : (
          <ul className="mt-4 divide-y divide-slate-100 rounded-lg border border-slate-200">
            {tokens.map((token) => (
              <li key={token.id} className="flex items-center justify-between gap-4 px-4 py-3">
                <div>
                  <p className="font-medium text-slate-900">{token.name}</p>
                  <p className="text-xs text-slate-500">
                    <code>{token.tokenPrefix}…</code> · created {formatDistanceToNow(new Date(token.createdAt), { addSuffix: true })} ·{" "}
                    {token.lastUsedAt ? `last used ${formatDistanceToNow(new Date(token.lastUsedAt), { addSuffix: true })}` : "never used"}
                  </p>
                </div>
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="revoke-token" />
                  <input type="hidden" name="tokenId" value={token.id} />
                  <Button variant="danger" aria-label={`Revoke token ${token.name}`}>
                    Revoke
                  </Button>
                </Form>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
