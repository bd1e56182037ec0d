import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../app/activity/actor";
import { AppError } from "../app/app-error";
import { getCustomerTicket, listCustomerTickets } from "../app/portal/portal-tickets.server";
import { createSlaPolicy } from "../app/service-levels/sla-policies.server";
import { slaPolicySchema } from "../app/service-levels/sla-policy-schema";
import {
  createTicketStatus,
  deleteTicketStatus,
  moveTicketStatus,
  setTicketStatusActive,
  updateTicketStatusLabels,
} from "../app/ticket-statuses/ticket-statuses.server";
import { addMessage, bulkUpdateTickets, createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import { readTicketCounters, sidebarCounts, tabCounts } from "../app/tickets/ticket-counters.server";
import { getTicket } from "../app/tickets/ticket-detail.server";
import { listTickets, ticketTabCounts } from "../app/tickets/ticket-list.server";
import { ticketFiltersSchema, type TicketFilters } from "../app/tickets/ticket-schemas";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

// Workspace statuses on fixed categories (issue 13 item 2): the category drives every rule.
const platform = openTestPlatform();
let tenant: TenantRecord;
let handle: TenantHandle;
let other: TenantHandle;
let agent: Actor;
let agentId: number;
let admin: Actor;

const filters = (input: Partial<Record<keyof TicketFilters, unknown>> = {}) => ticketFiltersSchema.parse(input);

beforeAll(async () => {
  tenant = await createTestTenant(platform);
  handle = platform.router.forTenant(tenant);
  other = platform.router.forTenant(await createTestTenant(platform));
  agentId = (await createMember(platform, tenant, { email: "ann@statuses.test", name: "Ann Agent" })).id;
  agent = { type: "agent", userId: agentId };
  admin = { type: "agent", userId: (await createMember(platform, tenant, { email: "ada@statuses.test", name: "Ada Admin", role: "admin" })).id };
  await createTicketStatus(handle, admin, { category: "on_hold", agentLabel: "Waiting on vendor", customerLabel: "Waiting on a supplier" });
  await createTicketStatus(handle, admin, { category: "open", agentLabel: "Needs QA", customerLabel: "Being checked" });
  await createTicketStatus(handle, admin, { category: "solved", agentLabel: "Solved by workaround", customerLabel: "Solved" });
});
afterAll(() => platform.close());

const customerTicket = async (subject = "Printer on fire") => {
  const [customer] = await handle.db
    .insert(handle.t.customers)
    .values({ name: "Cara Customer", email: `cara-${crypto.randomUUID()}@customers.test` })
    .returning({ id: handle.t.customers.id });
  const created = await createTicket(
    handle,
    { type: "customer", customerId: customer!.id },
    { customer: { id: customer!.id }, subject, message: "Help", channel: "portal" },
  );
  return { ...created, customerId: customer!.id };
};

async function storedStatus(number: number) {
  const [row] = await handle.db
    .select({ key: handle.t.tickets.statusKey, category: handle.t.tickets.statusCategory })
    .from(handle.t.tickets)
    .where(eq(handle.t.tickets.number, number));
  return row!;
}

async function countersMatchTickets() {
  const { rows } = await handle.db.execute<{ status: string; assignee_id: string; priority: string; count: number }>(
    sql`select status, coalesce(assignee_id, 0) as assignee_id, priority, count(*)::int as count from ${handle.t.tickets} group by 1, 2, 3`,
  );
  const actual = Object.fromEntries(rows.map((row) => [`${row.status}/${row.assignee_id}/${row.priority}`, row.count]));
  const kept = Object.fromEntries(
    (await readTicketCounters(handle)).filter((row) => row.count !== 0).map((row) => [`${row.status}/${row.assigneeId}/${row.priority}`, row.count]),
  );
  expect(kept).toEqual(actual);
}

describe("the New category", () => {
  it("holds a customer's new request until an agent replies publicly; an internal note does not take it on", async () => {
    const { number } = await customerTicket();
    expect(await storedStatus(number)).toEqual({ key: "new", category: "new" });
    await addMessage(handle, agent, number, { body: "Looking internally", internal: true });
    expect((await storedStatus(number)).category).toBe("new");
    await addMessage(handle, agent, number, { body: "We're on it" });
    expect(await storedStatus(number)).toEqual({ key: "open", category: "open" });
    await countersMatchTickets();
  });

  it("leaves New for Open when someone is assigned, unless the agent chose the status too", async () => {
    const first = await customerTicket();
    await updateTicket(handle, agent, first.number, { assigneeId: agentId });
    expect(await storedStatus(first.number)).toEqual({ key: "open", category: "open" });
    const second = await customerTicket();
    await updateTicket(handle, agent, second.number, { assigneeId: agentId, status: "waiting_on_vendor" });
    expect(await storedStatus(second.number)).toEqual({ key: "waiting_on_vendor", category: "on_hold" });
    await countersMatchTickets();
  });

  it("starts an agent's ticket as Open, and counts New in the sidebar, tabs and unsolved", async () => {
    const { number } = await createTicket(handle, agent, {
      customer: { name: "Dan", email: "dan@customers.test" },
      subject: "Phoned in",
      message: "x",
      channel: "phone",
    });
    expect((await storedStatus(number)).category).toBe("open");
    const fresh = await customerTicket("Still new");
    const counters = await readTicketCounters(handle);
    const { rows } = await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from ${handle.t.tickets} where status = 'new'`);
    expect(sidebarCounts(counters, agentId).new).toBe(rows[0]!.n);
    expect(tabCounts(counters).new).toBe(rows[0]!.n);
    const unsolved = await listTickets(handle, filters(), agentId, 500);
    expect(unsolved.items.map((item) => item.number)).toContain(fresh.number);
    expect((await listTickets(handle, filters({ status: "new" }), agentId, 500)).items.every((item) => item.statusCategory === "new")).toBe(true);
  });
});

describe("custom statuses follow their category's rules", () => {
  it("stores the key and its category, counts by category, and filters by either", async () => {
    const { number } = await customerTicket("Vendor part");
    await updateTicket(handle, agent, number, { status: "waiting_on_vendor" });
    expect(await getTicket(handle, number)).toMatchObject({ status: "waiting_on_vendor", statusCategory: "on_hold" });
    await countersMatchTickets();
    const onHold = await listTickets(handle, filters({ status: "on_hold" }), agentId, 500);
    expect(onHold.items.map((item) => item.number)).toContain(number);
    const exact = await listTickets(handle, filters({ status: "all", statusKey: "waiting_on_vendor" }), agentId, 500);
    expect(exact.items.length).toBeGreaterThan(0);
    expect(exact.items.every((item) => item.status === "waiting_on_vendor")).toBe(true);
    const counts = await ticketTabCounts(handle, filters({ status: "all", statusKey: "waiting_on_vendor" }), agentId);
    expect(counts.counts.on_hold).toBe(exact.items.length);
    expect(counts.counts.open).toBe(0);
  });

  it("stamps solvedAt for a custom solved status and reopens to the built-in Open on the customer's reply", async () => {
    const { number, customerId } = await customerTicket("Workaround");
    await updateTicket(handle, agent, number, { status: "solved_by_workaround" });
    expect((await getTicket(handle, number)).solvedAt).not.toBeNull();
    await addMessage(handle, { type: "customer", customerId }, number, { body: "It broke again" });
    const reopened = await getTicket(handle, number);
    expect(reopened).toMatchObject({ status: "open", statusCategory: "open", solvedAt: null });
    await countersMatchTickets();
  });

  it("shows the customer the customer label, never the agents' name for the status", async () => {
    const { number, customerId } = await customerTicket("Portal label");
    await updateTicket(handle, agent, number, { status: "needs_qa" });
    const listed = (await listCustomerTickets(handle, customerId)).find((ticket) => ticket.number === number)!;
    expect(listed).toMatchObject({ statusLabel: "Being checked", statusCategory: "open" });
    expect(JSON.stringify(await getCustomerTicket(handle, customerId, number))).not.toContain("Needs QA");
  });

  it("refuses unknown, deactivated and other workspaces' statuses, changing nothing", async () => {
    const { number } = await customerTicket("Refusals");
    await createTicketStatus(other, { type: "system" }, { category: "pending", agentLabel: "Elsewhere only", customerLabel: "x" });
    for (const key of ["nope", "elsewhere_only"]) {
      const error = await updateTicket(handle, agent, number, { status: key }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).details).toMatchObject({ field: "status" });
    }
    await createTicketStatus(handle, admin, { category: "pending", agentLabel: "Retired", customerLabel: "Retired" });
    await setTicketStatusActive(handle, admin, "retired", false);
    await expect(updateTicket(handle, agent, number, { status: "retired" })).rejects.toThrow(/deactivated/);
    await expect(bulkUpdateTickets(handle, agent, [number], { status: "retired" })).rejects.toThrow(/deactivated/);
    expect(await storedStatus(number)).toEqual({ key: "new", category: "new" });
  });

  it("keeps a ticket in a status deactivated after it got there, and lets it leave", async () => {
    const { number } = await customerTicket("Parked");
    await createTicketStatus(handle, admin, { category: "on_hold", agentLabel: "Parked", customerLabel: "On hold" });
    await updateTicket(handle, agent, number, { status: "parked" });
    await setTicketStatusActive(handle, admin, "parked", false);
    const saved = await updateTicket(handle, agent, number, { status: "parked", priority: "high" });
    expect(saved).toMatchObject({ status: "parked", statusCategory: "on_hold", priority: "high" });
    await updateTicket(handle, agent, number, { status: "pending" });
    expect(await storedStatus(number)).toEqual({ key: "pending", category: "pending" });
  });

  it("cannot delete a status a ticket is in, even when the ticket moves in concurrently (the foreign key decides)", async () => {
    const { number } = await customerTicket("Race");
    await createTicketStatus(handle, admin, { category: "open", agentLabel: "Escalated", customerLabel: "Escalated" });
    await updateTicket(handle, agent, number, { status: "escalated" });
    await expect(deleteTicketStatus(handle, admin, "escalated")).rejects.toThrow(/1 ticket is in it/);
    await expect(handle.db.execute(sql`delete from ${handle.t.ticketStatuses} where key = 'escalated'`)).rejects.toThrow();
    await expect(handle.db.execute(sql`update ${handle.t.tickets} set status = 'solved' where number = ${number}`)).rejects.toThrow();
  });
});

describe("concurrent changes", () => {
  it("a ticket moving into a status while it is deleted: one of them wins cleanly, never a database error", async () => {
    for (let round = 0; round < 8; round++) {
      const { number } = await customerTicket(`Race ${round}`);
      const label = `Short lived ${round}`;
      const { key } = await createTicketStatus(handle, admin, { category: "pending", agentLabel: label, customerLabel: label });
      const [deleted, moved] = await Promise.allSettled([deleteTicketStatus(handle, admin, key), updateTicket(handle, agent, number, { status: key })]);
      for (const outcome of [deleted, moved]) if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(AppError);
      expect([deleted.status, moved.status].filter((status) => status === "fulfilled")).toHaveLength(1);
      expect((await storedStatus(number)).key).toBe(moved.status === "fulfilled" ? key : "new");
    }
    await countersMatchTickets();
  });

  it("moves, renames and deactivations of statuses at once all complete (no deadlock between them)", async () => {
    const keys: string[] = [];
    for (const label of ["Queue A", "Queue B", "Queue C"])
      keys.push((await createTicketStatus(handle, admin, { category: "on_hold", agentLabel: label, customerLabel: label })).key);
    const work = keys.flatMap((key, index) => [
      moveTicketStatus(handle, admin, key, "up"),
      updateTicketStatusLabels(handle, admin, key, { agentLabel: `Queue ${index} renamed`, customerLabel: "Queued" }),
      setTicketStatusActive(handle, admin, key, false),
      moveTicketStatus(handle, admin, key, "down"),
    ]);
    const outcomes = await Promise.allSettled(work);
    expect(outcomes.filter((outcome) => outcome.status === "rejected")).toEqual([]);
    const rows = await handle.db
      .select({ position: handle.t.ticketStatuses.position })
      .from(handle.t.ticketStatuses)
      .where(eq(handle.t.ticketStatuses.category, "on_hold"));
    expect(new Set(rows.map((row) => row.position)).size).toBe(rows.length);
  });
});

describe("SLA pause rules name statuses", () => {
  it("pauses resolution in a custom status the policy lists, and runs in one it does not", async () => {
    const input = slaPolicySchema.parse({
      name: "Vendor waits pause",
      active: true,
      targets: { normal: { resolution: "8h" } },
      scheduleId: "calendar",
      pausedStatuses: ["waiting_on_vendor"],
      warnBeforeMinutes: "0",
    });
    await createSlaPolicy(handle, admin, input);
    const clock = async (number: number) => {
      const ticket = await getTicket(handle, number);
      return ticket.sla?.resolution?.state;
    };
    const { number } = await customerTicket("Clocked");
    expect(await clock(number)).toBe("running");
    await updateTicket(handle, agent, number, { status: "waiting_on_vendor" });
    expect(await clock(number)).toBe("paused");
    await updateTicket(handle, agent, number, { status: "on_hold" }); // the built-in On hold is not listed
    expect(await clock(number)).toBe("running");
  });

  it("refuses a paused status that does not exist or cannot pause (solved), next to the field", async () => {
    for (const key of ["ghost", "solved_by_workaround"]) {
      const input = slaPolicySchema.parse({
        name: `Bad ${key}`,
        active: true,
        targets: { normal: { resolution: "8h" } },
        scheduleId: "calendar",
        pausedStatuses: [key],
        warnBeforeMinutes: "0",
      });
      const error = await createSlaPolicy(handle, admin, input).catch((caught: unknown) => caught);
      expect((error as AppError).details).toMatchObject({ field: "pausedStatuses" });
    }
  });

  it("drops a deleted status from the policies that paused on it", async () => {
    await createTicketStatus(handle, admin, { category: "pending", agentLabel: "Awaiting invoice", customerLabel: "Awaiting invoice" });
    const input = slaPolicySchema.parse({
      name: "Invoice pause",
      active: false,
      targets: { normal: { resolution: "8h" } },
      scheduleId: "calendar",
      pausedStatuses: ["awaiting_invoice", "pending"],
      warnBeforeMinutes: "0",
    });
    const id = await createSlaPolicy(handle, admin, input);
    await deleteTicketStatus(handle, admin, "awaiting_invoice");
    const [policy] = await handle.db.select({ paused: handle.t.slaPolicies.pausedStatuses }).from(handle.t.slaPolicies).where(eq(handle.t.slaPolicies.id, id));
    expect(policy!.paused).toEqual(["pending"]);
  });
});
