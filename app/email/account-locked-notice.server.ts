import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { queueEmail } from "./outbox.server";
import { renderEmail } from "./render-email.server";

type Queue = { tx: TenantTransaction; handle: Pick<TenantHandle, "t" | "tenant">; origin: string };

/** Tells a team member that password sign-in to their account is paused after many failures from anywhere. */
export async function queueAccountLockedNotice(
  { tx, handle, origin }: Queue,
  input: { member: { name: string | null; email: string }; failures: number; windowMinutes: number; pausedForMinutes: number },
) {
  const workspace = handle.tenant.name;
  const rendered = renderEmail({
    workspace,
    greeting: `Hello ${input.member.name ?? "there"},`,
    paragraphs: [
      `A wrong password was entered for your account (${input.member.email}) in ${workspace} ${input.failures} times within ${input.windowMinutes} minutes, so signing in to it with a password is paused for about ${input.pausedForMinutes} minutes, even with the right password.`,
      "If that was you, wait and try again. If it was not, someone may be guessing your password: their attempts are refused, and you need do nothing now. Once you are back in, make sure your password is long and used nowhere else.",
    ],
    action: { label: "Open your profile", href: new URL("/settings/profile", origin).toString() },
  });
  return queueEmail(
    tx,
    handle,
    {
      kind: "account_locked",
      to: { address: input.member.email, name: input.member.name },
      subject: `Password sign-in to ${workspace} paused after failed attempts`,
      ...rendered,
    },
    new URL(origin).hostname,
  );
}
