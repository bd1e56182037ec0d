import { and, eq } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { queueEmail } from "./outbox.server";
import { renderEmail } from "./render-email.server";

type Queue = { tx: TenantTransaction; handle: Pick<TenantHandle, "t" | "tenant">; origin: string };

/** Tells every active admin that Conductor switched a webhook off, in the caller's transaction. */
export async function queueWebhookDisabledEmail({ tx, handle, origin }: Queue, webhook: { id: number; url: string }, reason: string): Promise<void> {
  const { t } = handle;
  const admins = await tx
    .select({ name: t.users.name, email: t.users.email })
    .from(t.users)
    .where(and(eq(t.users.active, true), eq(t.users.role, "admin")));
  for (const admin of admins) {
    const rendered = renderEmail({
      workspace: handle.tenant.name,
      greeting: `Hello ${admin.name},`,
      paragraphs: [
        `Conductor switched off the webhook to ${webhook.url}: ${reason}`,
        "Events are no longer sent to it. Once the endpoint answers again, switch the webhook back on and redeliver what it missed from its delivery log.",
      ],
      action: { label: "Open the webhook", href: `${origin}/settings/webhooks/${webhook.id}` },
    });
    await queueEmail(
      tx,
      handle,
      { kind: "webhook_disabled", to: { address: admin.email, name: admin.name }, subject: "A webhook was switched off after failing", ...rendered },
      new URL(origin).hostname,
    );
  }
}
