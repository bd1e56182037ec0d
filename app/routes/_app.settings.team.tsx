import { getFormProps, getSelectProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { formatDistanceToNow } from "date-fns";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FieldErrors, FormErrors, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { onAppError, replyOnAppError } from "~/http/route-errors.server";
import { createInvite, inviteLink } from "~/team/invites.server";
import { inviteSchema } from "~/team/team-schemas";
import { applyTeamChange, listTeam, teamChangeSchema, type TeamChange } from "~/team/team.server";

export const handle = access("admin");

const NOTICES: Record<TeamChange["intent"], string> = {
  role: "Role changed.",
  deactivate: "Member deactivated and signed out.",
  reactivate: "Member reactivated.",
  "revoke-invite": "Invite revoked.",
};

export async function loader({ context }: LoaderFunctionArgs) {
  const me = requireUser(context);
  return { me, ...(await listTeam(context.db)) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "invite") {
    const submission = parseWithZod(form, { schema: inviteSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
    const invitee = submission.value;
    const { inviteTtlHours } = context.services.auth;
    const origin = new URL(request.url).origin;
    return replyOnAppError(
      submission,
      async () => {
        const { token } = await createInvite(context.db, actor, invitee, inviteTtlHours, { origin });
        return {
          intent,
          result: submission.reply({ resetForm: true }),
          inviteLink: inviteLink(origin, token),
          notice: `Invite for ${invitee.email} created and emailed to them. You can also pass on this single-use link yourself; it expires in ${inviteTtlHours} hours.`,
        };
      },
      { body: (result) => ({ intent, result }) },
    );
  }
  if (!Object.hasOwn(NOTICES, intent)) return data({ intent, error: "Unknown action." }, { status: 400 });
  const change = teamChangeSchema.safeParse(Object.fromEntries(form));
  if (!change.success) return data({ intent, error: "That request was not valid." }, { status: 400 });
  return onAppError(
    async () => {
      await applyTeamChange(context.db, actor, change.data);
      return { intent, notice: NOTICES[change.data.intent] };
    },
    (error) => ({ intent, error: error.message }),
  );
}

type ActionData = { intent: string; result?: SubmissionResult<string[]>; notice?: string; error?: string; inviteLink?: string };

export default function Team() {
  const { me, members, invites } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [inviteForm, inviteFields] = useForm({
    id: "invite",
    lastResult: actionData?.intent === "invite" ? actionData.result : undefined,
    defaultValue: { role: "agent" },
    constraint: getZodConstraint(inviteSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: inviteSchema }),
  });
  return (
    <div className="space-y-6">
      {actionData?.error ? <FormErrors id="team-error" errors={[actionData.error]} /> : null}
      {actionData?.notice && !actionData.inviteLink ? <Notice>{actionData.notice}</Notice> : null}

      <Section title="Invite a teammate" description="They choose their own password (or sign in with SSO) through a single-use link.">
        <Form method="post" {...getFormProps(inviteForm)} className="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end">
          <CsrfInput />
          <input type="hidden" name="intent" value="invite" />
          <TextField field={inviteFields.email} label="Email" type="email" />
          <div className="space-y-1.5">
            <label htmlFor={inviteFields.role.id} className="block text-sm font-medium text-slate-700">
              Role
            </label>
            <select {...getSelectProps(inviteFields.role)} className="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900">
              <option value="agent">Agent</option>
              <option value="admin">Admin</option>
            </select>
            <FieldErrors id={inviteFields.role.errorId} errors={inviteFields.role.errors} />
          </div>
          <Button>Create invite</Button>
        </Form>
        {actionData?.inviteLink ? (
          <div className="mt-4">
            <Notice>
              {actionData.notice}
              <code data-testid="invite-link" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-slate-900">
                {actionData.inviteLink}
              </code>
            </Notice>
          </div>
        ) : null}
      </Section>

      <Section title="Members">
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-4">
                  Name
                </th>
                <th scope="col" className="py-2 pr-4">
                  Role
                </th>
                <th scope="col" className="py-2 pr-4">
                  Status
                </th>
                <th scope="col" className="py-2 pr-4">
                  Last seen
                </th>
                <th scope="col" className="py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {members.map((member) => (
                <tr key={member.id} data-testid={`member-${member.email}`}>
                  <td className="py-3 pr-4">
                    <p className="font-medium text-slate-900">
                      {member.name}
                      {member.id === me.id ? " (you)" : ""}
                    </p>
                    <p className="text-slate-500">{member.email}</p>
                  </td>
                  <td className="py-3 pr-4">
                    <Form method="post" className="flex items-center gap-2">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="role" />
                      <input type="hidden" name="userId" value={member.id} />
                      <label className="sr-only" htmlFor={`role-${member.id}`}>
                        Role of {member.name}
                      </label>
                      <select id={`role-${member.id}`} name="role" defaultValue={member.role} className="rounded-lg border border-slate-300 bg-white px-2 py-1">
                        <option value="agent">Agent</option>
                        <option value="admin">Admin</option>
                      </select>
                      <Button variant="secondary" className="px-2 py-1">
                        Change
                      </Button>
                    </Form>
                  </td>
                  <td className="py-3 pr-4">
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-semibold ${member.active ? "bg-emerald-100 text-emerald-800" : "bg-slate-200 text-slate-700"}`}
                    >
                      {member.active ? "Active" : "Deactivated"}
                    </span>
                  </td>
                  <td className="py-3 pr-4 text-slate-600">
                    {member.lastSeenAt ? formatDistanceToNow(new Date(member.lastSeenAt), { addSuffix: true }) : "Never"}
                  </td>
                  <td className="flex items-center justify-end gap-2 py-3">
                    <Link
                      to={`/settings/team/${member.id}/sessions`}
                      className="rounded-lg border border-slate-300 bg-white px-3 py-1 font-semibold text-slate-800 hover:bg-slate-50"
                      aria-label={`Sessions of ${member.name}`}
                    >
                      Sessions
                    </Link>
                    <Form method="post">
                      <CsrfInput />
                      <input type="hidden" name="intent" value={member.active ? "deactivate" : "reactivate"} />
                      <input type="hidden" name="userId" value={member.id} />
                      <Button variant={member.active ? "danger" : "secondary"} className="px-3 py-1">
                        {member.active ? "Deactivate" : "Reactivate"}
                      </Button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <Section title="Pending invites">
        {invites.length === 0 ? (
          <p className="text-sm text-slate-500">No pending invites.</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {invites.map((invite) => (
              <li key={invite.id} className="flex items-center justify-between py-3 text-sm">
                <span>
                  <span className="font-medium text-slate-900">{invite.email}</span> · {invite.role} · expires{" "}
                  {formatDistanceToNow(new Date(invite.expiresAt), { addSuffix: true })}
                </span>
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="revoke-invite" />
                  <input type="hidden" name="inviteId" value={invite.id} />
                  <Button variant="ghost" className="px-2 py-1">
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
