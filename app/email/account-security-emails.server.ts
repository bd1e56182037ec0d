import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { queueEmail } from "./outbox.server";
import { renderEmail } from "./render-email.server";

/** Emails about a member's own sign-in identity, each queued in the caller's transaction; `origin` is the workspace's canonical address. */
type Queue = { tx: TenantTransaction; handle: Pick<TenantHandle, "t" | "tenant">; origin: string };
type Member = { name: string | null; email: string };

const domainOf = (origin: string) => new URL(origin).hostname;

export async function queuePasswordResetLink({ tx, handle, origin }: Queue, input: { member: Member; link: string; expiresInMinutes: number }) {
  const workspace = handle.tenant.name;
  const rendered = renderEmail({
    workspace,
    greeting: `Hello ${input.member.name ?? "there"},`,
    paragraphs: [
      `Someone asked to reset the password of your account (${input.member.email}) in ${workspace}. The link below works once, for ${input.expiresInMinutes} minutes.`,
      "If it was not you, ignore this email: your password stays as it is.",
    ],
    action: { label: "Choose a new password", href: input.link },
  });
  return queueEmail(
    tx,
    handle,
    { kind: "password_reset", to: { address: input.member.email, name: input.member.name }, subject: `Reset your ${workspace} password`, ...rendered },
    domainOf(origin),
  );
}

export async function queuePasswordChangedNotice({ tx, handle, origin }: Queue, input: { member: Member }) {
  const workspace = handle.tenant.name;
  const rendered = renderEmail({
    workspace,
    greeting: `Hello ${input.member.name ?? "there"},`,
    paragraphs: [
      `The password of your account (${input.member.email}) in ${workspace} was just changed with a reset link, and every session of your account was signed out.`,
      "If that was not you, reset your password again at once and tell an admin of the workspace.",
    ],
    action: { label: "Sign in", href: new URL("/login", origin).toString() },
  });
  return queueEmail(
    tx,
    handle,
    { kind: "password_changed", to: { address: input.member.email, name: input.member.name }, subject: `Your ${workspace} password was changed`, ...rendered },
    domainOf(origin),
  );
}

export async function queueEmailChangeConfirmation(
  { tx, handle, origin }: Queue,
  input: { member: Member; newEmail: string; link: string; expiresInHours: number },
) {
  const workspace = handle.tenant.name;
  const rendered = renderEmail({
    workspace,
    greeting: `Hello ${input.member.name ?? "there"},`,
    paragraphs: [
      `You asked to sign in to ${workspace} with ${input.newEmail} instead of ${input.member.email}. Confirm with the link below: it works once, for ${input.expiresInHours} hours.`,
      "If you did not ask for this, ignore this email: nothing changes.",
    ],
    action: { label: "Confirm your new email", href: input.link },
  });
  return queueEmail(
    tx,
    handle,
    {
      kind: "email_change_confirmation",
      to: { address: input.newEmail, name: input.member.name },
      subject: `Confirm your new ${workspace} email`,
      ...rendered,
    },
    domainOf(origin),
  );
}

/** Sent to the address that no longer signs in. */
export async function queueEmailChangedNotice({ tx, handle, origin }: Queue, input: { member: Member; newEmail: string }) {
  const workspace = handle.tenant.name;
  const rendered = renderEmail({
    workspace,
    greeting: `Hello ${input.member.name ?? "there"},`,
    paragraphs: [
      `Your account in ${workspace} now signs in with ${input.newEmail} instead of this address (${input.member.email}).`,
      "If that was not you, tell an admin of the workspace at once.",
    ],
    action: { label: "Open Conductor", href: new URL("/login", origin).toString() },
  });
  return queueEmail(
    tx,
    handle,
    {
      kind: "email_changed",
      to: { address: input.member.email, name: input.member.name },
      subject: `Your ${workspace} sign-in email was changed`,
      ...rendered,
    },
    domainOf(origin),
  );
}

/** Tells a member about a change to how their account signs in (a new device, two-factor on or off, new recovery codes). */
export async function queueSecurityNotice(
  { tx, handle, origin }: Queue,
  input: { member: Member; kind: "new_device_sign_in" | "two_factor_changed"; subject: string; lines: string[] },
) {
  const workspace = handle.tenant.name;
  const rendered = renderEmail({
    workspace,
    greeting: `Hello ${input.member.name ?? "there"},`,
    paragraphs: [...input.lines, "If that was not you, change your password at once and tell an admin of the workspace."],
    action: { label: "Review your sessions", href: new URL("/settings/profile", origin).toString() },
  });
  return queueEmail(
    tx,
    handle,
    { kind: input.kind, to: { address: input.member.email, name: input.member.name }, subject: input.subject, ...rendered },
    domainOf(origin),
  );
}
