import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../app/activity/actor";
import { recordTenantSlaAlerts } from "../app/service-levels/sla-alert-job.server";
import { createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

// The alert job records each SLA warning and breach once, with an activity entry and an email (issue 13 item 5).
const platform = openTestPlatform();
let handle: TenantHandle;
let agent: Actor;
let agentEmail: string;
let adminEmail: string;
const ORIGIN = "http://alerts.localhost";
const MINUTE = 60_000;

let tenant: TenantRecord;

beforeAll(async () => {
  tenant = await createTestTenant(platform);
  adminEmail = `admin@${tenant.slug}.test`;
  handle = platform.router.forTenant(tenant);
  agentEmail = "dana@agents.test";
  agent = { type: "agent", userId: (await createMember(platform, tenant, { email: agentEmail, name: "Dana Agent" })).id };
  await handle.db.insert(handle.t.slaPolicies).values({
    name: "Standard",
    position: 1,
    conditions: {},
    targets: { normal: { firstReply: 60, resolution: 600 } },
    warnBeforeMinutes: 20,
  });
});
afterAll(() => platform.close());

async function newTicket(assigneeId: number | null) {
  const ticket = await createTicket(handle, agent, {
    customer: { name: "Eve Customer", email: "eve@customers.test" },
    subject: "Cannot log in",
    message: "Help",
    channel: "email",
    assigneeId,
  });
  const [sla] = await handle.db.select().from(handle.t.ticketSlas).where(eq(handle.t.ticketSlas.ticketId, ticket.id));
  const createdAt = new Date((sla!.clocks as { firstReply: { startedAt: string } }).firstReply.startedAt);
  return { ...ticket, at: (minutes: number) => new Date(createdAt.getTime() + minutes * MINUTE) };
}

async function alertsOf(ticketId: number) {
  return handle.db
    .select({ metric: handle.t.ticketSlaAlerts.metric, kind: handle.t.ticketSlaAlerts.kind })
    .from(handle.t.ticketSlaAlerts)
    .where(eq(handle.t.ticketSlaAlerts.ticketId, ticketId))
    .orderBy(handle.t.ticketSlaAlerts.recordedAt);
}

async function activityOf(ticketId: number) {
  const rows = await handle.db
    .select({ action: handle.t.activityLogs.action, changes: handle.t.activityLogs.changes })
    .from(handle.t.activityLogs)
    .where(and(eq(handle.t.activityLogs.ticketId, ticketId)));
  return rows.filter((row) => row.action.startsWith("sla."));
}

async function emailsAbout(number: number) {
  const rows = await handle.db
    .select({
      kind: handle.t.outboundEmails.kind,
      to: handle.t.outboundEmails.toAddress,
      subject: handle.t.outboundEmails.subject,
      text: handle.t.outboundEmails.textBody,
    })
    .from(handle.t.outboundEmails);
  return rows.filter((row) => row.subject.startsWith(`[#${number}]`) && row.kind.startsWith("sla_"));
}

describe("the SLA alert job", () => {
  it("warns the assignee before the due time and records the breach after it, each once", async () => {
    const ticket = await newTicket((agent as { userId: number }).userId);
    expect((await recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(30) })).alerts).toBe(0); // warning due at 40 min

    await recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(45) });
    await recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(50) }); // nothing new
    expect(await alertsOf(ticket.id)).toEqual([{ metric: "firstReply", kind: "warning" }]);

    await recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(72) });
    await recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(80) });
    expect(await alertsOf(ticket.id)).toEqual([
      { metric: "firstReply", kind: "warning" },
      { metric: "firstReply", kind: "breach" },
    ]);

    const activity = await activityOf(ticket.id);
    expect(activity.map((row) => row.action)).toEqual(["sla.warning", "sla.breached"]);
    expect(activity[1]!.changes).toMatchObject({ sla: { to: { metric: "firstReply", minutesLate: 12 } } });

    const emails = await emailsAbout(ticket.number);
    expect(emails.map((email) => [email.kind, email.to])).toEqual([
      ["sla_warning_notice", agentEmail],
      ["sla_breach_notice", agentEmail],
    ]);
    expect(emails[1]!.text).toContain("SLA breached: first reply, 12 min late");
    expect(emails[1]!.text).toContain(`${ORIGIN}/tickets/${ticket.number}`);
  });

  it("tells the admins when the ticket is unassigned, and records nothing twice when two runs race", async () => {
    const ticket = await newTicket(null);
    await Promise.all([recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(61) }), recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(61) })]);
    // Already late: the breach alone, no warning after the fact.
    expect(await alertsOf(ticket.id)).toEqual([{ metric: "firstReply", kind: "breach" }]);
    expect((await emailsAbout(ticket.number)).map((email) => email.to)).toEqual([adminEmail]);
  });

  it("tells the admins when the assignee has been deactivated since", async () => {
    const { t } = handle;
    const gone = await createMember(platform, tenant, { email: "gone@agents.test", name: "Gone Agent" });
    const ticket = await newTicket(gone.id);
    await handle.db.update(t.users).set({ active: false }).where(eq(t.users.id, gone.id));
    await recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(61) });
    expect((await emailsAbout(ticket.number)).map((email) => email.to)).toEqual([adminEmail]);
  });

  it("says nothing about a clock stopped in time, and nothing while resolution is paused", async () => {
    const ticket = await newTicket(null);
    await updateTicket(handle, agent, ticket.number, { status: "pending" });
    const [sla] = await handle.db.select().from(handle.t.ticketSlas).where(eq(handle.t.ticketSlas.ticketId, ticket.id));
    // First reply still runs (replies never pause); resolution is paused and alerts nothing.
    expect(sla!.nextAlertAt!.getTime()).toBe(ticket.at(40).getTime());
    await updateTicket(handle, agent, ticket.number, { status: "solved" });
    const [solved] = await handle.db.select().from(handle.t.ticketSlas).where(eq(handle.t.ticketSlas.ticketId, ticket.id));
    expect(solved!.nextAlertAt).toBeNull();
    await recordTenantSlaAlerts(handle, ORIGIN, { at: ticket.at(700) });
    expect(await alertsOf(ticket.id)).toEqual([]);
  });
});
