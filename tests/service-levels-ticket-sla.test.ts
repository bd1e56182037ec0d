import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../app/activity/actor";
import { slaAchievement } from "../app/service-levels/sla-achievement.server";
import { refreshTicketSla } from "../app/service-levels/ticket-sla.server";
import { slaPolicyHistory } from "../app/service-levels/ticket-sla-view.server";
import { addMessage, createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import type { TenantHandle } from "../tenancy/connection-router";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

// The SLA is kept in the transaction of each ticket change, from the ticket's own events (issue 13 item 6).
const platform = openTestPlatform();
let handle: TenantHandle;
let agent: Actor;
const MINUTE = 60_000;

beforeAll(async () => {
  const tenant = await createTestTenant(platform);
  handle = platform.router.forTenant(tenant);
  agent = { type: "agent", userId: (await createMember(platform, tenant, { email: "sla@agents.test", name: "Sla Agent" })).id };
  const { t } = handle;
  // Calendar hours; urgent tickets from the "vip" tag get short targets, everything else the catch-all.
  await handle.db.insert(t.slaPolicies).values([
    {
      name: "VIP",
      position: 1,
      conditions: { tags: ["vip"] },
      targets: { urgent: { firstReply: 15, nextReply: 30, resolution: 240 }, normal: { firstReply: 30, resolution: 480 } },
    },
    { name: "Everyone", position: 2, conditions: {}, targets: { normal: { firstReply: 60, nextReply: 120, resolution: 1440 } } },
  ]);
});
afterAll(() => platform.close());

type MetricJson = { state: string; phase: string; dueAt: string | null; targetMinutes: number; startedAt: string };
type ClocksJson = { firstReply: MetricJson | null; nextReply: { current: MetricJson | null; cycles: MetricJson[] }; resolution: MetricJson | null };

async function slaOf(ticketId: number) {
  const [row] = await handle.db.select().from(handle.t.ticketSlas).where(eq(handle.t.ticketSlas.ticketId, ticketId));
  return { ...row!, clocks: row!.clocks as unknown as ClocksJson };
}

async function eventTypes(ticketId: number) {
  const rows = await handle.db
    .select({ type: handle.t.ticketSlaEvents.type })
    .from(handle.t.ticketSlaEvents)
    .where(eq(handle.t.ticketSlaEvents.ticketId, ticketId))
    .orderBy(asc(handle.t.ticketSlaEvents.at), asc(handle.t.ticketSlaEvents.id));
  return rows.map((row) => row.type);
}

const newTicket = (tags: string[] = []) =>
  createTicket(handle, agent, {
    customer: { name: "Cara Customer", email: "cara@customers.test" },
    subject: "Printer on fire",
    message: "Help",
    channel: "email",
    tags,
  });

describe("a ticket's SLA clocks", () => {
  it("starts first reply and resolution at creation under the first matching policy, due after the target", async () => {
    const { id } = await newTicket();
    const sla = await slaOf(id);
    expect(sla.policyName).toBe("Everyone");
    const first = sla.clocks.firstReply!;
    expect(first.state).toBe("running");
    expect(Date.parse(first.dueAt!) - Date.parse(first.startedAt)).toBe(60 * MINUTE);
    expect(sla.clocks.resolution!.targetMinutes).toBe(1440);
    expect(sla.nextBreachAt!.getTime()).toBe(Date.parse(first.dueAt!));
    expect(await eventTypes(id)).toEqual(["ticket_created", "policy_changed", "status_changed"]);
  });

  it("achieves first reply with a public reply (not a note), then runs next reply when the customer writes", async () => {
    const { id, number } = await newTicket();
    await addMessage(handle, agent, number, { body: "Looking", internal: true });
    expect((await slaOf(id)).clocks.firstReply!.state).toBe("running");
    await addMessage(handle, agent, number, { body: "On it" });
    expect((await slaOf(id)).clocks.firstReply!.state).toBe("achieved");
    const [ticket] = await handle.db.select({ customerId: handle.t.tickets.customerId }).from(handle.t.tickets).where(eq(handle.t.tickets.id, id));
    await addMessage(handle, { type: "customer", customerId: ticket!.customerId }, number, { body: "Still burning" });
    const next = (await slaOf(id)).clocks.nextReply.current!;
    expect(next.state).toBe("running");
    expect(next.targetMinutes).toBe(120);
  });

  it("pauses resolution while pending and stops every clock when solved", async () => {
    const { id, number } = await newTicket();
    await updateTicket(handle, agent, number, { status: "pending" });
    let sla = await slaOf(id);
    expect(sla.clocks.resolution!.state).toBe("paused");
    expect(sla.clocks.resolution!.dueAt).toBeNull();
    expect(sla.clocks.firstReply!.state).toBe("running"); // reply clocks never pause
    await updateTicket(handle, agent, number, { status: "solved" });
    sla = await slaOf(id);
    expect(sla.clocks.resolution!.state).toBe("achieved");
    expect(sla.nextBreachAt).toBeNull();
  });

  it("re-evaluates the policy when tags or priority change, and records a change only when the targets differ", async () => {
    const { id, number } = await newTicket();
    await updateTicket(handle, agent, number, { tags: ["vip"] });
    let sla = await slaOf(id);
    expect(sla.policyName).toBe("VIP");
    expect(sla.clocks.firstReply!.targetMinutes).toBe(30);
    await updateTicket(handle, agent, number, { priority: "urgent" });
    sla = await slaOf(id);
    expect(sla.clocks.firstReply!.targetMinutes).toBe(15);
    // The clock keeps its start: due 15 minutes after creation, not after the change.
    expect(Date.parse(sla.clocks.firstReply!.dueAt!) - Date.parse(sla.clocks.firstReply!.startedAt)).toBe(15 * MINUTE);
    await updateTicket(handle, agent, number, { subject: "Printer on fire, still" });
    await updateTicket(handle, agent, number, { tags: ["vip", "printer"] });
    expect((await eventTypes(id)).filter((type) => type === "policy_changed")).toHaveLength(3);
    // The ticket page lists the policies that applied, newest first; a new priority under VIP is no new period.
    expect((await slaPolicyHistory(handle, id)).map((period) => period.policy)).toEqual(["VIP", "Everyone"]);
  });

  it("keeps what a ticket was promised when the policy is edited later", async () => {
    const { id, number } = await newTicket();
    await handle.db
      .update(handle.t.slaPolicies)
      .set({ targets: { normal: { firstReply: 5 } } })
      .where(eq(handle.t.slaPolicies.name, "Everyone"));
    try {
      await updateTicket(handle, agent, number, { subject: "Edited subject" }); // no SLA-relevant change: no re-evaluation
      expect((await slaOf(id)).clocks.firstReply!.targetMinutes).toBe(60);
      await updateTicket(handle, agent, number, { priority: "high" }); // re-evaluated: the edited policy applies from now on
      expect((await slaOf(id)).clocks.firstReply).toBeNull(); // "Everyone" now has no target for high
    } finally {
      await handle.db
        .update(handle.t.slaPolicies)
        .set({ targets: { normal: { firstReply: 60, nextReply: 120, resolution: 1440 } } })
        .where(eq(handle.t.slaPolicies.name, "Everyone"));
    }
  });

  it("adopts a ticket from before SLA tracking at its first change, from its creation and first reply", async () => {
    const { t } = handle;
    const [customer] = await handle.db.insert(t.customers).values({ name: "Old Customer", email: "old@customers.test" }).returning({ id: t.customers.id });
    // Written as a ticket of before the feature: no SLA history at all.
    const [old] = await handle.db
      .insert(t.tickets)
      .values({
        subject: "From last year",
        customerId: customer!.id,
        channel: "email",
        createdAt: new Date(Date.now() - 180 * MINUTE),
        firstResponseAt: new Date(Date.now() - 150 * MINUTE),
      })
      .returning({ id: t.tickets.id, number: t.tickets.number });
    await addMessage(handle, { type: "customer", customerId: customer!.id }, old!.number, { body: "Any news?" });
    const sla = await slaOf(old!.id);
    expect(sla.policyName).toBe("Everyone");
    // Answered before any policy applied: not judged, and not awaited again.
    expect(sla.clocks.firstReply).toBeNull();
    expect(sla.clocks.nextReply.current!.state).toBe("running");
    const [row] = await handle.db.select({ createdAt: t.tickets.createdAt }).from(t.tickets).where(eq(t.tickets.id, old!.id));
    expect(Date.parse(sla.clocks.resolution!.startedAt)).toBe(row!.createdAt.getTime());
  });

  it("pauses resolution for a ticket created as pending (the pause rules apply from the first instant)", async () => {
    const { id } = await createTicket(handle, agent, {
      customer: { name: "Cara Customer", email: "cara@customers.test" },
      subject: "Created waiting",
      message: "Waiting on us",
      channel: "api",
      status: "pending",
    });
    expect((await slaOf(id)).clocks.resolution!.state).toBe("paused");
  });

  it("keeps a breach on record when its target goes away (a lower priority without that target)", async () => {
    const { id, number } = await newTicket();
    await handle.db.execute(sql`update ${handle.t.ticketSlaEvents} set at = at - interval '2 hours' where ticket_id = ${id}`);
    await updateTicket(handle, agent, number, { priority: "low" }); // "Everyone" sets no target for low
    const first = (await slaOf(id)).clocks.firstReply!;
    expect(first.state).toBe("breached");
    expect(first.phase).toBe("stopped");
  });

  it("adopts an old solved ticket without judging what happened before any policy", async () => {
    const { t } = handle;
    const [customer] = await handle.db.insert(t.customers).values({ name: "Solved Sue", email: "sue@customers.test" }).returning({ id: t.customers.id });
    const [old] = await handle.db
      .insert(t.tickets)
      .values({
        subject: "Long done",
        customerId: customer!.id,
        channel: "email",
        statusCategory: "solved",
        statusKey: "solved",
        createdAt: new Date("2024-03-01T10:00:00Z"),
        solvedAt: new Date("2024-03-02T10:00:00Z"),
      })
      .returning({ id: t.tickets.id, number: t.tickets.number });
    await updateTicket(handle, agent, old!.number, { tags: ["archive"] });
    const sla = await slaOf(old!.id);
    expect(sla.clocks.firstReply).toBeNull();
    expect(sla.clocks.resolution).toBeNull();
    expect(sla.nextBreachAt).toBeNull();
  });

  it("gives the same verdicts when recomputed later from the events alone", async () => {
    const { id, number } = await newTicket();
    await addMessage(handle, agent, number, { body: "Done" });
    await updateTicket(handle, agent, number, { status: "solved" });
    const before = (await slaOf(id)).clocks;
    const later = new Date(Date.now() + 3 * 24 * 60 * MINUTE);
    const { result: recomputed } = await handle.transaction((tx) => refreshTicketSla(tx, handle.t, id, later));
    expect(JSON.parse(JSON.stringify(recomputed))).toEqual(before);
  });
});

describe("SLA achievement on the dashboard", () => {
  it("counts targets met out of those judged in the last 7 days: met in time, or breached", async () => {
    const tenant = await createTestTenant(platform);
    const own = platform.router.forTenant(tenant);
    const { t } = own;
    const agent: Actor = { type: "agent", userId: (await createMember(platform, tenant, { email: "gus@agents.test", name: "Gus Agent" })).id };
    await own.db.insert(t.slaPolicies).values({ name: "All", position: 1, conditions: {}, targets: { normal: { firstReply: 60 } } });
    const open = (subject: string) =>
      createTicket(own, agent, { customer: { name: "Fay Customer", email: "fay@customers.test" }, subject, message: "Hi", channel: "web" });
    const answered = await open("Answered in time");
    await addMessage(own, agent, answered.number, { body: "Here to help" });
    const late = await open("Waited too long");
    await own.db.execute(sql`update ${t.ticketSlaEvents} set at = at - interval '3 hours' where ticket_id = ${late.id}`);
    await own.transaction((tx) => refreshTicketSla(tx, t, late.id, new Date()));
    await open("Still within its hour"); // running: not judged yet

    const achievement = await slaAchievement(own);
    expect(achievement.firstReply.current).toEqual({ achieved: 1, judged: 2 });
    expect(achievement.firstReply.previous).toEqual({ achieved: 0, judged: 0 });
    expect(achievement.resolution.current.judged).toBe(0);
  });
});
