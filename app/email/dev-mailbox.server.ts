import { desc, eq } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import type { AppServices } from "../load-context";

/** /dev/mailbox and its pages answer 404 unless the development mailbox is on (no SMTP_URL, not production). */
export function requireDevMailbox(services: AppServices): void {
  if (!services.mail.devMailbox) throw new Response("Not Found", { status: 404 });
}

/** The workspace's outbox, newest first. */
export async function listMailbox({ db, t }: TenantHandle, limit = 100) {
  const { id, kind, toAddress, toName, subject, status, attempts, createdAt, sentAt } = t.outboundEmails;
  return db
    .select({ id, kind, toAddress, toName, subject, status, attempts, createdAt, sentAt })
    .from(t.outboundEmails)
    .orderBy(desc(t.outboundEmails.id))
    .limit(limit);
}

export async function getMailboxEmail({ db, t }: TenantHandle, id: number) {
  const [email] = await db.select().from(t.outboundEmails).where(eq(t.outboundEmails.id, id));
  return email ?? null;
}
