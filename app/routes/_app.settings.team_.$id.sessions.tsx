import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { currentSessionId, requireUser } from "~/auth/guards.server";
import { endMemberSession, endMemberSessions, listMemberSessions, sessionOwner } from "~/auth/member-sessions.server";
import { FormErrors } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { SessionsList } from "~/components/sessions-list";
import { onAppError } from "~/http/route-errors.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";

export const handle = access("admin");
export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [{ title: `Sessions of ${loaded?.member.name ?? "a member"} · Settings · Conductor` }];

const memberFrom = (context: LoaderFunctionArgs["context"], param: string | undefined) =>
  sessionOwner(
    context.db,
    routeParam(rowIdParam, param, () => notFound("That member")),
  );

export async function loader({ params, context }: LoaderFunctionArgs) {
  const member = await memberFrom(context, params.id);
  return { member, sessions: await listMemberSessions(context.db, member.id, currentSessionId(context)) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const actor = agentActor(requireUser(context));
  const member = await memberFrom(context, params.id);
  const form = await request.formData();
  const intent = form.get("intent");
  return onAppError(
    async () => {
      if (intent === "end-session") {
        await endMemberSession(context.db, actor, member.id, String(form.get("session") ?? ""));
        return { notice: "That session is signed out.", error: null };
      }
      if (intent === "end-other-sessions") {
        // An admin on their own page keeps the session they are using.
        const ended = await endMemberSessions(context.db, actor, member.id, currentSessionId(context));
        return { notice: `${ended} session${ended === 1 ? "" : "s"} signed out.`, error: null };
      }
      return { notice: null, error: "Unknown action." };
    },
    (error) => ({ notice: null, error: error.message }),
  );
}

export default function MemberSessions() {
  const { member, sessions } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to="/settings/team" className="font-medium text-brand-700 underline-offset-2 hover:underline">
          ← Team
        </Link>
      </p>
      <Section title={`Sessions of ${member.name}`} description={`Where ${member.email} is signed in. A session signed out here ends at its next request.`}>
        <div className="space-y-3">
          {actionData?.notice ? <Notice>{actionData.notice}</Notice> : null}
          {actionData?.error ? <FormErrors id="sessions-error" errors={[actionData.error]} /> : null}
          <SessionsList sessions={sessions} memberId={member.id} ownerLabel={member.name} />
        </div>
      </Section>
    </div>
  );
}
