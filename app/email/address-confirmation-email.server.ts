import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { queueEmail } from "./outbox.server";
import { renderEmail } from "./render-email.server";

export type AddressConfirmationInput = { address: string; link: string; expiresInHours: number };

/**
 * The email that proves a workspace receives mail sent to `address`. It goes to the address itself,
 * so it reaches the workspace only through the address's own forwarding; the link works only for a
 * signed-in admin of the claiming workspace, so whoever else reads it can do nothing with it.
 */
export async function queueAddressConfirmation(
  { tx, handle, origin }: { tx: TenantTransaction; handle: Pick<TenantHandle, "t" | "tenant">; origin: string },
  input: AddressConfirmationInput,
) {
  const host = new URL(origin).host;
  const rendered = renderEmail({
    workspace: handle.tenant.name,
    greeting: "Hello,",
    paragraphs: [
      `An admin of the workspace "${handle.tenant.name}" (${host}) asked Conductor to turn the email sent to ${input.address} into tickets there.`,
      `If this address forwards its mail to that workspace, an admin of it confirms with the link below, signed in at ${host}. The link works once and expires in ${input.expiresInHours} hours.`,
      "If you did not expect this, ignore this email: nothing changes until the address is confirmed.",
    ],
    action: { label: "Confirm the address", href: input.link },
  });
  return queueEmail(
    tx,
    handle,
    { kind: "address_confirmation", to: { address: input.address }, subject: `Confirm ${input.address} for ${handle.tenant.name}`, ...rendered },
    new URL(origin).hostname,
  );
}
