import { eq, gt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../app/activity/actor";
import { queueEmail } from "../app/email/outbox.server";
import { createInvite } from "../app/team/invites.server";
import { addMessage, createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantHandle, TenantTransaction } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

// No worker runs here: what is checked is what the transaction wrote, seen from inside it.
const platform = openTestPlatform();
let tenant: TenantRecord;
let handle: TenantHandle;
let origin: string;
let agent: Actor & { type: "agent" };
let agentEmail: string;

beforeAll(async () => {
  tenant = await createTestTenant(platform, { name: "Hooks Inc" });
  handle = platform.router.forTenant(tenant);
  origin = `http://${tenant.slug}.localhost`;
  agentEmail = `ann@${tenant.slug}.test`;
  agent = { type: "agent", userId: (await createMember(platform, tenant, { email: agentEmail, name: "Ann Agent" })).id };
});
afterAll(() => platform.close());

class RolledBack extends Error {}

type Seen = { emails: Array<typeof handle.t.outboundEmails.$inferSelect>; jobs: Array<{ tenantId: string; emailId: number }> };

/**
 * The tenant handle with its transaction instrumented: after the command's work, and before the
 * commit, it reads the outbox rows and send_email jobs the transaction added (invisible to anyone
 * else until then), and can roll everything back.
 */
function observed({ rollback = false } = {}) {
  const seen: Seen = { emails: [], jobs: [] };
  const wrapped: TenantHandle = {
    ...handle,
    transaction: <T>(work: (tx: TenantTransaction) => Promise<T>) =>
      handle.transaction(async (tx) => {
        const { rows } = await tx.execute<{ last: number }>(sql`select coalesce(max(id), 0)::int as last from ${handle.t.outboundEmails}`);
        const before = rows[0]!.last;
        const result = await work(tx);
        seen.emails = await tx.select().from(handle.t.outboundEmails).where(gt(handle.t.outboundEmails.id, before)).orderBy(handle.t.outboundEmails.id);
        seen.jobs = await sendJobs(
          tx,
          seen.emails.map((email) => email.id),
        );
        if (rollback) throw new RolledBack();
        return result;
      }),
  };
  return { handle: wrapped, seen };
}

async function sendJobs(db: TenantTransaction | TenantHandle["db"], emailIds: number[]) {
  if (emailIds.length === 0) return [];
  const { rows } = await db.execute<{ payload: { tenantId: string; emailId: number } }>(sql`
    select jobs.payload from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
    where tasks.identifier = 'send_email' and jobs.payload->>'tenantId' = ${tenant.id}
      and (jobs.payload->>'emailId')::bigint in (${sql.join(
        emailIds.map((id) => sql`${id}`),
        sql`, `,
      )})
    order by (jobs.payload->>'emailId')::bigint`);
  return rows.map((row) => row.payload);
}

const outboxById = async (id: number) => (await handle.db.select().from(handle.t.outboundEmails).where(eq(handle.t.outboundEmails.id, id)))[0];

async function newTicket(local: string, assigneeId: number | null = null) {
  const email = `${local}@${tenant.slug}.test`;
  const ticket = await createTicket(handle, agent, {
    customer: { name: `Customer ${local}`, email },
    subject: `Question from ${local}`,
    message: "Hi",
    channel: "portal",
    assigneeId,
  });
  return { ...ticket, email, customer: { type: "customer", customerId: ticket.customerId } as Actor };
}

describe("addMessage queues the emails a message causes, in its transaction", () => {
  it("an agent's public reply: one email to the ticket's customer, with its job", async () => {
    const ticket = await newTicket("reply");
    const { handle: tracked, seen } = observed();
    const message = await addMessage(tracked, agent, ticket.number, { body: "Have you tried turning it off and on?" }, { origin });
    expect(seen.emails).toHaveLength(1);
    expect(seen.emails[0]).toMatchObject({
      kind: "agent_reply",
      toAddress: ticket.email,
      toName: "Customer reply",
      subject: `Re: [#${ticket.number}] Question from reply`,
      ticketId: ticket.id,
      ticketMessageId: message.id,
      status: "pending",
    });
    expect(seen.emails[0]!.textBody).toContain("> Have you tried turning it off and on?");
    expect(seen.emails[0]!.textBody).toContain(`${origin}/portal/tickets/${ticket.number}`);
    expect(seen.jobs).toEqual([{ tenantId: tenant.id, emailId: seen.emails[0]!.id }]);
    expect(await outboxById(seen.emails[0]!.id)).toBeDefined();
  });

  it("a customer's reply: a notice to the assigned agent, and nothing when the ticket has no assignee", async () => {
    const assigned = await newTicket("assigned", agent.userId);
    const { handle: tracked, seen } = observed();
    const message = await addMessage(tracked, assigned.customer, assigned.number, { body: "It is still broken" }, { origin });
    expect(seen.emails).toMatchObject([
      {
        kind: "customer_reply_notice",
        toAddress: agentEmail,
        toName: "Ann Agent",
        ticketMessageId: message.id,
        subject: `[#${assigned.number}] Customer assigned replied: Question from assigned`,
      },
    ]);
    expect(seen.emails[0]!.textBody).toContain(`${origin}/tickets/${assigned.number}`);
    expect(seen.jobs).toHaveLength(1);

    const unassigned = await newTicket("unassigned");
    const second = observed();
    await addMessage(second.handle, unassigned.customer, unassigned.number, { body: "Anyone there?" }, { origin });
    expect(second.seen.emails).toEqual([]);
  });

  it("no email for an internal note, without a mail context, or to a deactivated assignee", async () => {
    const ticket = await newTicket("quiet", agent.userId);
    const note = observed();
    await addMessage(note.handle, agent, ticket.number, { body: "Customer seems upset", internal: true }, { origin });
    expect(note.seen.emails).toEqual([]);

    const noContext = observed();
    await addMessage(noContext.handle, agent, ticket.number, { body: "Imported reply" });
    expect(noContext.seen.emails).toEqual([]);

    const deactivated = await newTicket("inactive-assignee", (await createMember(platform, tenant, { email: `gone@${tenant.slug}.test` })).id);
    await handle.db
      .update(handle.t.users)
      .set({ active: false })
      .where(eq(handle.t.users.email, `gone@${tenant.slug}.test`));
    const toInactive = observed();
    await addMessage(toInactive.handle, deactivated.customer, deactivated.number, { body: "Hello?" }, { origin });
    expect(toInactive.seen.emails).toEqual([]);
  });

  it("rolled back with the message: no email row and no job remain", async () => {
    const ticket = await newTicket("rollback", agent.userId);
    const countBefore = (
      await handle.db.select({ id: handle.t.ticketMessages.id }).from(handle.t.ticketMessages).where(eq(handle.t.ticketMessages.ticketId, ticket.id))
    ).length;
    for (const actor of [agent, ticket.customer]) {
      const { handle: tracked, seen } = observed({ rollback: true });
      await expect(addMessage(tracked, actor, ticket.number, { body: "Never happened" }, { origin })).rejects.toBeInstanceOf(RolledBack);
      expect(seen.emails).toHaveLength(1);
      expect(seen.jobs).toHaveLength(1);
      expect(await outboxById(seen.emails[0]!.id)).toBeUndefined();
      expect(await sendJobs(handle.db, [seen.emails[0]!.id])).toEqual([]);
    }
    expect(
      await handle.db.select({ id: handle.t.ticketMessages.id }).from(handle.t.ticketMessages).where(eq(handle.t.ticketMessages.ticketId, ticket.id)),
    ).toHaveLength(countBefore);
  });
});

describe("team invites", () => {
  it("with a mail context the invite is emailed, with the same link, in the invite's transaction", async () => {
    const admin = { id: agent.userId, email: agentEmail, name: "Ann Agent", role: "admin" as const };
    const { handle: tracked, seen } = observed();
    const { token } = await createInvite(tracked, admin, { email: `new.hire@${tenant.slug}.test`, role: "agent" }, 72, { origin });
    expect(seen.emails).toMatchObject([
      { kind: "team_invite", toAddress: `new.hire@${tenant.slug}.test`, subject: "You are invited to Hooks Inc on Conductor" },
    ]);
    expect(seen.emails[0]!.textBody).toContain(`Ann Agent invited you to join Hooks Inc`);
    expect(seen.emails[0]!.textBody).toContain(`${origin}/invite/${token}`);
    expect(seen.jobs).toHaveLength(1);

    const rolledBack = observed({ rollback: true });
    await expect(createInvite(rolledBack.handle, admin, { email: `other@${tenant.slug}.test`, role: "agent" }, 72, { origin })).rejects.toBeInstanceOf(
      RolledBack,
    );
    expect(await outboxById(rolledBack.seen.emails[0]!.id)).toBeUndefined();
  });
});

describe("queueEmail", () => {
  it("refuses anything but one plain recipient address", async () => {
    const attempt = (address: string) =>
      handle.transaction((tx) =>
        queueEmail(tx, handle, { kind: "login_code", to: { address }, subject: "s", text: "t", html: "h" }, `${tenant.slug}.localhost`),
      );
    for (const address of ["a@x.test, b@y.test", "a@x.test\r\nBcc: b@y.test", "Someone <a@x.test>", "not an address", ""]) {
      await expect(attempt(address)).rejects.toThrow();
    }
  });
});
