import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { formatDistanceToNow } from "date-fns";
import { useState } from "react";
import * as z from "zod";
import { rowIdParam } from "~/route-params";
import { access } from "~/auth/access";
import { createApiToken, listApiTokens, revokeApiToken } from "~/auth/api-tokens.server";
import { agentActor } from "~/activity/actor";
import { currentSessionId, requireUser } from "~/auth/guards.server";
import { endMemberSession, endMemberSessions, listMemberSessions } from "~/auth/member-sessions.server";
import {
  cancelTwoFactorEnrolment,
  confirmTwoFactorEnrolment,
  disableTwoFactor,
  regenerateRecoveryCodes,
  startTwoFactorEnrolment,
  twoFactorStatus,
  type TwoFactorStatus,
} from "~/auth/two-factor.server";
import { RECOVERY_CODE_COUNT, confirmTwoFactorSchema, disableTwoFactorSchema, regenerateRecoveryCodesSchema } from "~/auth/two-factor-schema";
import { Button, CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { LocalTime } from "~/components/local-time";
import { SessionsList } from "~/components/sessions-list";
import { Notice, Section } from "~/components/section";
import { useHydrated } from "~/hooks/use-hydrated";
import { onAppError, replyOnAppError } from "~/http/route-errors.server";
import { cancelEmailChange, pendingEmailChange, requestEmailChange } from "~/team/email-change.server";
import { emailChangeSchema } from "~/team/email-change-schema";
import { changePassword, renameUser } from "~/team/profile.server";
import { changePasswordSchema, profileNameSchema } from "~/team/team-schemas";

export const handle = access("agent");

const createTokenSchema = z.object({ tokenName: z.string({ error: "Name the token" }).trim().min(1, "Name the token").max(80) });
const revokeTokenSchema = z.object({ tokenId: rowIdParam });

export async function loader({ context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  const [tokens, pendingEmail, twoFactor, sessions] = await Promise.all([
    listApiTokens(context.db, user.id),
    pendingEmailChange(context.db, user.id),
    twoFactorStatus(context, user),
    listMemberSessions(context.db, user.id, currentSessionId(context)),
  ]);
  return { user, tokens, pendingEmail, twoFactor, sessions };
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
  if (intent === "two-factor-start") {
    return onAppError(
      async () => {
        await startTwoFactorEnrolment(context, user);
        return { intent, result: null };
      },
      (error) => ({ intent, result: null, error: error.message }),
    );
  }
  if (intent === "two-factor-cancel") {
    await cancelTwoFactorEnrolment(context.db, user.id);
    return { intent, result: null, notice: "The set-up is cancelled." };
  }
  if (intent === "two-factor-confirm") {
    const submission = parseWithZod(form, { schema: confirmTwoFactorSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply({ hideFields: ["code"] }) }, { status: 400 });
    const { code } = submission.value;
    return replyOnAppError(
      submission,
      async () => {
        const recoveryCodes = await confirmTwoFactorEnrolment(context, user, code);
        return { intent, result: submission.reply({ resetForm: true }), notice: "Two-factor sign-in is on.", recoveryCodes };
      },
      { hideFields: ["code"], body: (result) => ({ intent, result }) },
    );
  }
  if (intent === "recovery-codes") {
    const submission = parseWithZod(form, { schema: regenerateRecoveryCodesSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply({ hideFields: ["code"] }) }, { status: 400 });
    const { code } = submission.value;
    return replyOnAppError(
      submission,
      async () => {
        const recoveryCodes = await regenerateRecoveryCodes(context, user, code);
        return { intent, result: submission.reply({ resetForm: true }), notice: "New recovery codes: the earlier ones no longer work.", recoveryCodes };
      },
      { hideFields: ["code"], body: (result) => ({ intent, result }) },
    );
  }
  if (intent === "two-factor-disable") {
    const hideFields = ["currentPassword", "code"];
    const submission = parseWithZod(form, { schema: disableTwoFactorSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply({ hideFields }) }, { status: 400 });
    const { currentPassword = "", code } = submission.value;
    return replyOnAppError(
      submission,
      async () => {
        await disableTwoFactor(context, user, { currentPassword, code });
        return { intent, result: submission.reply({ resetForm: true }), notice: "Two-factor sign-in is off. Your password alone signs you in." };
      },
      { hideFields, body: (result) => ({ intent, result }) },
    );
  }
  if (intent === "end-session") {
    return onAppError(
      async () => {
        await endMemberSession(context.db, agentActor(user), user.id, String(form.get("session") ?? ""));
        return { intent, result: null, notice: "That session is signed out." };
      },
      (error) => ({ intent, result: null, notice: error.message }),
    );
  }
  if (intent === "end-other-sessions") {
    const ended = await endMemberSessions(context.db, agentActor(user), user.id, currentSessionId(context));
    return { intent, result: null, notice: ended === 1 ? "1 other session is signed out." : `${ended} other sessions are signed out.` };
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

type ActionData = {
  intent: unknown;
  result: SubmissionResult<string[]> | null;
  notice?: string;
  createdToken?: string;
  recoveryCodes?: string[];
  error?: string;
};

export default function Profile() {
  const { user, tokens, pendingEmail, twoFactor, sessions } = useLoaderData<typeof loader>();
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

      <TwoFactorSection
        status={twoFactor}
        resultFor={resultFor}
        noticeFor={noticeFor}
        recoveryCodes={actionData?.recoveryCodes}
        startError={actionData?.intent === "two-factor-start" ? actionData.error : undefined}
      />

      <Section title="Sessions" description="Where you are signed in. Signing a session out takes effect at its next request.">
        {(noticeFor("end-session") ?? noticeFor("end-other-sessions")) ? <Notice>{noticeFor("end-session") ?? noticeFor("end-other-sessions")}</Notice> : null}
        <SessionsList sessions={sessions} ownerLabel="your account" />
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

function TwoFactorSection({
  status,
  resultFor,
  noticeFor,
  recoveryCodes,
  startError,
}: {
  status: TwoFactorStatus;
  resultFor: (intent: string) => SubmissionResult<string[]> | undefined;
  noticeFor: (intent: string) => string | undefined;
  recoveryCodes?: string[];
  startError?: string;
}) {
  const [confirmForm, confirmFields] = useForm({
    id: "two-factor-confirm",
    lastResult: resultFor("two-factor-confirm"),
    constraint: getZodConstraint(confirmTwoFactorSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: confirmTwoFactorSchema }),
  });
  const [codesForm, codesFields] = useForm({
    id: "recovery-codes",
    lastResult: resultFor("recovery-codes"),
    constraint: getZodConstraint(regenerateRecoveryCodesSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: regenerateRecoveryCodesSchema }),
  });
  const [disableForm, disableFields] = useForm({
    id: "two-factor-disable",
    lastResult: resultFor("two-factor-disable"),
    constraint: getZodConstraint(disableTwoFactorSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: disableTwoFactorSchema }),
  });
  const notice = ["two-factor-start", "two-factor-cancel", "two-factor-confirm", "recovery-codes", "two-factor-disable"].map(noticeFor).find(Boolean);
  const codeHint = "The 6-digit code your authenticator app shows now.";

  return (
    <Section
      title="Two-factor sign-in"
      description="After your password, sign-in also asks for a code from an authenticator app on your phone (such as 1Password, Google Authenticator or Authy)."
    >
      <p className="mb-4 text-sm text-slate-700" data-testid="two-factor-status">
        {status.enabled ? (
          <>
            <strong className="text-emerald-700">On</strong>
            {status.enabledAt ? (
              <>
                {" "}
                since <LocalTime iso={status.enabledAt.toISOString()} />
              </>
            ) : null}{" "}
            · {status.recoveryCodesLeft} of {RECOVERY_CODE_COUNT} recovery codes left
          </>
        ) : (
          <>
            <strong>Off</strong>: your password alone signs you in.
          </>
        )}
      </p>
      {notice ? (
        <div className="mb-4">
          <Notice>{notice}</Notice>
        </div>
      ) : null}
      {startError ? (
        <div className="mb-4">
          <FormErrors id="two-factor-start-error" errors={[startError]} />
        </div>
      ) : null}
      {recoveryCodes ? <RecoveryCodes codes={recoveryCodes} /> : null}

      {status.enabled ? (
        <div className="grid gap-8 lg:grid-cols-2">
          <Form method="post" {...getFormProps(codesForm)} className="grid content-start gap-4">
            <CsrfInput />
            <input type="hidden" name="intent" value="recovery-codes" />
            <h3 className="font-semibold text-slate-900">Recovery codes</h3>
            <p className="text-sm text-slate-600">Each works once when you do not have your phone. New codes replace every earlier one.</p>
            <FormErrors id={codesForm.errorId} errors={codesForm.errors} />
            <TextField field={codesFields.code} label="Code from your app" autoComplete="one-time-code" hint={codeHint} />
            <div>
              <Button variant="secondary">Generate new recovery codes</Button>
            </div>
          </Form>
          <Form method="post" {...getFormProps(disableForm)} className="grid content-start gap-4">
            <CsrfInput />
            <input type="hidden" name="intent" value="two-factor-disable" />
            <h3 className="font-semibold text-slate-900">Turn off two-factor sign-in</h3>
            <FormErrors id={disableForm.errorId} errors={disableForm.errors} />
            {status.passwordRequired ? (
              <TextField field={disableFields.currentPassword} label="Current password" type="password" autoComplete="current-password" />
            ) : null}
            <TextField field={disableFields.code} label="Code" autoComplete="one-time-code" hint="A code from your app, or an unused recovery code." />
            <div>
              <Button variant="danger">Turn off</Button>
            </div>
          </Form>
        </div>
      ) : status.enrolment ? (
        <div className="grid gap-6 sm:grid-cols-[auto_1fr]">
          <svg
            role="img"
            aria-label="QR code to scan with your authenticator app"
            viewBox={`0 0 ${status.enrolment.qrCode.size} ${status.enrolment.qrCode.size}`}
            shapeRendering="crispEdges"
            className="h-48 w-48 rounded-lg border border-slate-200"
            data-testid="two-factor-qr"
          >
            <rect width="100%" height="100%" fill="#fff" />
            <path d={status.enrolment.qrCode.path} fill="#000" />
          </svg>
          <div className="grid content-start gap-4">
            <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
              <li>Scan the QR code with your authenticator app.</li>
              <li>
                Or type this key in the app instead:{" "}
                <code data-testid="two-factor-secret" className="break-all rounded bg-slate-100 px-1 font-mono text-slate-900">
                  {status.enrolment.secret.replace(/(.{4})/g, "$1 ").trim()}
                </code>
              </li>
              <li>
                On the phone that has the app?{" "}
                <a href={status.enrolment.uri} data-testid="two-factor-uri" className="font-medium text-brand-700 hover:underline">
                  Open the key in your authenticator app
                </a>
                .
              </li>
              <li>Enter the code the app shows to turn two-factor sign-in on.</li>
            </ol>
            <Form method="post" {...getFormProps(confirmForm)} className="grid gap-4 sm:max-w-xs">
              <CsrfInput />
              <input type="hidden" name="intent" value="two-factor-confirm" />
              <FormErrors id={confirmForm.errorId} errors={confirmForm.errors} />
              <TextField field={confirmFields.code} label="Code from your app" autoComplete="one-time-code" hint={codeHint} />
              <div>
                <Button>Turn on</Button>
              </div>
            </Form>
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="two-factor-cancel" />
              <Button variant="ghost">Cancel the set-up</Button>
            </Form>
          </div>
        </div>
      ) : (
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="two-factor-start" />
          <Button>Set up two-factor sign-in</Button>
        </Form>
      )}
    </Section>
  );
}

/** Shown once, right after they are made: only their hashes are kept. */
function RecoveryCodes({ codes }: { codes: string[] }) {
  const hydrated = useHydrated();
  const [copied, setCopied] = useState(false);
  const text = `${codes.join("\n")}\n`;
  return (
    <div className="mb-6 rounded-lg border border-amber-200 bg-amber-50 p-4">
      <h3 className="font-semibold text-amber-900">Your recovery codes</h3>
      <p className="mt-1 text-sm text-amber-900">
        Keep them somewhere safe, away from your phone. Each signs you in once if you lose your phone. They will not be shown again.
      </p>
      <ol data-testid="recovery-codes" className="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 font-mono text-sm text-slate-900 sm:max-w-sm">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <div className="mt-3 flex flex-wrap gap-3">
        <a
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="conductor-recovery-codes.txt"
          className="inline-flex items-center rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 hover:bg-slate-50"
        >
          Download
        </a>
        {hydrated ? (
          <Button
            type="button"
            variant="secondary"
            onClick={() => {
              void navigator.clipboard.writeText(text).then(() => setCopied(true));
            }}
          >
            {copied ? "Copied" : "Copy"}
          </Button>
        ) : null}
      </div>
    </div>
  );
}
