import { Form } from "@remix-run/react";
import { Button, CsrfInput } from "./form-fields";
import { RelativeTime } from "./relative-time";

type SessionRow = {
  handle: string;
  device: string;
  ipAddress: string | null;
  signedInWith: string;
  createdAt: Date | string;
  lastActiveAt: Date | string;
  current: boolean;
};

/**
 * Signed-in sessions with a "Sign out" per session (intent `end-session`, field `session`) and one for
 * all the others (intent `end-other-sessions`). `memberId` is sent along when an admin acts for a member.
 */
export function SessionsList({ sessions, memberId, ownerLabel }: { sessions: SessionRow[]; memberId?: number; ownerLabel: string }) {
  const others = sessions.filter((session) => !session.current);
  const member = memberId === undefined ? null : <input type="hidden" name="memberId" value={memberId} />;
  if (sessions.length === 0) return <p className="text-sm text-slate-500">No active sessions.</p>;
  return (
    <div className="space-y-3">
      <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200" aria-label={`Sessions of ${ownerLabel}`}>
        {sessions.map((session) => (
          <li key={session.handle} data-testid="session" className="flex flex-wrap items-center gap-3 p-3 text-sm">
            <div className="min-w-0 flex-1">
              <p className="font-medium text-slate-900">
                {session.device}
                {session.current ? (
                  <span className="ml-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800">This session</span>
                ) : null}
              </p>
              <p className="text-slate-600">
                {session.ipAddress ?? "address unknown"} · signed in with {session.signedInWith} <RelativeTime date={session.createdAt} /> · last seen{" "}
                <RelativeTime date={session.lastActiveAt} />
              </p>
            </div>
            {session.current ? null : (
              <Form method="post">
                <CsrfInput />
                {member}
                <input type="hidden" name="session" value={session.handle} />
                <Button
                  variant="secondary"
                  name="intent"
                  value="end-session"
                  className="px-3 py-1"
                  aria-label={`Sign out ${session.device}, last seen from ${session.ipAddress ?? "an unknown address"}`}
                >
                  Sign out
                </Button>
              </Form>
            )}
          </li>
        ))}
      </ul>
      {others.length > 0 ? (
        <Form method="post">
          <CsrfInput />
          {member}
          <Button variant="secondary" name="intent" value="end-other-sessions" className="px-3 py-1">
            {memberId === undefined ? "Sign out all other sessions" : "Sign out all sessions"}
          </Button>
        </Form>
      ) : null}
    </div>
  );
}
