import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentActor, type Actor } from "../app/activity/actor";
import { listActivity } from "../app/activity/activity-feed.server";
import { createCustomerSession, findCustomerSession } from "../app/portal/customer-sessions.server";
import { updateCustomer } from "../app/customers/customers.server";
import { AppError } from "../app/app-error";
import { addMessage, bulkUpdateTickets, createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import { readTicketCounters, recountTickets, sidebarCounts } from "../app/tickets/ticket-counters.server";
import { getTicket, listTicketMessages } from "../app/tickets/ticket-detail.server";
import { listTickets, ticketTabCounts } from "../app/tickets/ticket-list.server";
import { ticketFiltersSchema, type TicketFilters } from "../app/tickets/ticket-schemas";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

const platform = openTestPlatform();
let tenant: TenantRecord;
let handle: TenantHandle;
let agent: Actor;
let agentId: number;
let otherAgentId: number;

const filters = (input: Partial<Record<keyof TicketFilters, unknown>> = {}) => ticketFiltersSchema.parse(input);

beforeAll(async () => {
  tenant = await createTestTenant(platform);
  handle = platform.router.forTenant(tenant);
  agentId = (await createMember(platform, tenant, { email: "ann@tickets.test", name: "Ann Agent" })).id;
  otherAgentId = (await createMember(platform, tenant, { email: "bob@tickets.test", name: "Bob Agent" })).id;
  agent = { type: "agent", userId: agentId };
});
afterAll(() => platform.close());

async function countersMatchTickets() {
  const counters = await readTicketCounters(handle);
  const { rows } = await handle.db.execute<{ status: string; assignee_id: string; priority: string; count: number }>(
    sql`select status, coalesce(assignee_id, 0) as assignee_id, priority, count(*)::int as count from ${handle.t.tickets} group by 1, 2, 3`,
  );
  const actual = Object.fromEntries(rows.map((row) => [`${row.status}/${row.assignee_id}/${row.priority}`, row.count]));
  const kept = Object.fromEntries(counters.filter((row) => row.count !== 0).map((row) => [`${row.status}/${row.assigneeId}/${row.priority}`, row.count]));
  expect(kept).toEqual(actual);
}

describe("creating tickets", () => {
  it("creates the customer, the ticket, its first message, the counters and the activity entry together", async () => {
    const created = await createTicket(handle, agent, {
      customer: { name: "Grace Hopper", email: "Grace@Navy.test" },
      subject: "Printer is on fire",
      message: "Smoke is coming out of the tray.",
      priority: "urgent",
      channel: "phone",
      assigneeId: agentId,
      tags: ["hardware"],
    });
    const ticket = await getTicket(handle, created.number);
    expect(ticket).toMatchObject({
      subject: "Printer is on fire",
      status: "open",
      priority: "urgent",
      channel: "phone",
      assigneeId: agentId,
      tags: ["hardware"],
      version: 1,
    });
    expect(ticket.customer).toMatchObject({ name: "Grace Hopper", email: "Grace@Navy.test" });
    const messages = await listTicketMessages(handle, ticket.id, { includeInternal: true });
    expect(messages).toMatchObject([{ authorType: "customer", authorName: "Grace Hopper", body: "Smoke is coming out of the tray." }]);
    const activity = await listActivity(handle, { ticketId: ticket.id });
    expect(activity.items.map((item) => item.action)).toEqual(["ticket.created"]);
    expect(activity.items[0]!.actor).toMatchObject({ type: "agent", name: "Ann Agent" });

    // the same email in another case finds the customer instead of creating a second one
    const again = await createTicket(handle, agent, {
      customer: { name: "G. Hopper", email: "grace@navy.TEST" },
      subject: "Second",
      message: "Hello",
      channel: "email",
    });
    expect(again.customerId).toBe(created.customerId);
    await countersMatchTickets();
  });

  it("refuses an unknown customer or an inactive assignee and leaves nothing behind", async () => {
    const before = await handle.db.select({ n: sql<number>`count(*)::int` }).from(handle.t.tickets);
    await expect(createTicket(handle, agent, { customer: { id: 987654 }, subject: "x", message: "y", channel: "web" })).rejects.toMatchObject({
      status: 400,
      details: { field: "customerId" },
    });
    await handle.db.update(handle.t.users).set({ active: false }).where(eq(handle.t.users.id, otherAgentId));
    await expect(
      createTicket(handle, agent, {
        customer: { name: "New Person", email: "new.person@tickets.test" },
        subject: "x",
        message: "y",
        channel: "web",
        assigneeId: otherAgentId,
      }),
    ).rejects.toMatchObject({ status: 400, details: { field: "assigneeId" } });
    await handle.db.update(handle.t.users).set({ active: true }).where(eq(handle.t.users.id, otherAgentId));
    const after = await handle.db.select({ n: sql<number>`count(*)::int` }).from(handle.t.tickets);
    expect(after).toEqual(before);
    const orphan = await handle.db.select().from(handle.t.customers).where(eq(handle.t.customers.email, "new.person@tickets.test"));
    expect(orphan).toEqual([]);
  });
});

describe("working a ticket", () => {
  it("stamps the first response on the first public agent reply only, and a customer reply reopens a solved ticket", async () => {
    const { number, customerId } = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Reset",
      message: "Help",
      channel: "web",
    });
    await addMessage(handle, agent, number, { body: "Looking into it (note)", internal: true });
    expect((await getTicket(handle, number)).firstResponseAt).toBeNull();
    await addMessage(handle, agent, number, { body: "We are on it." });
    const responded = await getTicket(handle, number);
    expect(responded.firstResponseAt).toBeInstanceOf(Date);
    await addMessage(handle, agent, number, { body: "Another reply" });
    expect((await getTicket(handle, number)).firstResponseAt).toEqual(responded.firstResponseAt);

    await updateTicket(handle, agent, number, { status: "solved" });
    const solved = await getTicket(handle, number);
    expect(solved.solvedAt).toBeInstanceOf(Date);
    await addMessage(handle, { type: "customer", customerId }, number, { body: "It broke again" });
    const reopened = await getTicket(handle, number);
    expect(reopened).toMatchObject({ status: "open", solvedAt: null });
    expect(reopened.version).toBe(solved.version + 1);

    const publicThread = await listTicketMessages(handle, reopened.id, { includeInternal: false });
    expect(publicThread.map((m) => m.body)).toEqual(["Help", "We are on it.", "Another reply", "It broke again"]);
    const actions = (await listActivity(handle, { ticketId: reopened.id })).items.map((item) => item.action);
    expect(actions).toEqual([
      "ticket.status_changed",
      "ticket.customer_replied",
      "ticket.status_changed",
      "ticket.replied",
      "ticket.replied",
      "ticket.note_added",
      "ticket.created",
    ]);
    await countersMatchTickets();
  });

  it("a customer cannot write to another customer's ticket, nor an internal note", async () => {
    const { number } = await createTicket(handle, agent, {
      customer: { name: "Owner", email: "owner@tickets.test" },
      subject: "Mine",
      message: "Private",
      channel: "web",
    });
    const other = await createTicket(handle, agent, {
      customer: { name: "Other", email: "other@tickets.test" },
      subject: "Theirs",
      message: "x",
      channel: "web",
    });
    await expect(addMessage(handle, { type: "customer", customerId: other.customerId }, number, { body: "sneaky" })).rejects.toMatchObject({ status: 404 });
    await expect(addMessage(handle, { type: "customer", customerId: other.customerId }, other.number, { body: "note", internal: true })).rejects.toMatchObject({
      status: 403,
    });
  });

  it("records one activity entry per changed field with before and after values", async () => {
    const { id, number } = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Fields",
      message: "x",
      channel: "web",
    });
    await updateTicket(handle, agent, number, { status: "pending", priority: "high", assigneeId: otherAgentId, tags: ["billing", "vip"] });
    const items = (await listActivity(handle, { ticketId: id })).items;
    const byAction = Object.fromEntries(items.map((item) => [item.action, item]));
    expect(byAction["ticket.status_changed"]!.changes).toEqual({ status: { from: "open", to: "pending" } });
    expect(byAction["ticket.priority_changed"]!.changes).toEqual({ priority: { from: "normal", to: "high" } });
    expect(byAction["ticket.assigned"]!.changes).toEqual({ assigneeId: { from: null, to: otherAgentId } });
    expect(byAction["ticket.assigned"]!.members).toEqual({ [otherAgentId]: "Bob Agent" });
    expect(byAction["ticket.tags_changed"]!.changes).toEqual({ tags: { from: [], to: ["billing", "vip"] } });
    // an update that changes nothing writes nothing and keeps the version
    const unchanged = await updateTicket(handle, agent, number, { status: "pending" });
    expect(unchanged.version).toBe(2);
    expect((await listActivity(handle, { ticketId: id })).items).toHaveLength(items.length);
  });
});

describe("a customer's email address", () => {
  it("when it changes, portal sessions opened with the old address end", async () => {
    const { customerId } = await createTicket(handle, agent, {
      customer: { name: "Jon Typo", email: "jon@typo.test" },
      subject: "Mistyped",
      message: "x",
      channel: "web",
    });
    const token = await createCustomerSession(handle, customerId);
    expect(await findCustomerSession(handle, token)).not.toBeNull();
    await updateCustomer(handle, agent, customerId, { name: "Jon Typo" });
    expect(await findCustomerSession(handle, token)).not.toBeNull(); // other edits leave sessions alone
    await updateCustomer(handle, agent, customerId, { email: "john@typo.test" });
    expect(await findCustomerSession(handle, token)).toBeNull();
  });
});

describe("the lost-update guard", () => {
  it("the second of two agents who opened the same version gets a conflict with the current values; nothing of theirs is written", async () => {
    const { number } = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Race",
      message: "x",
      channel: "web",
    });
    const seen = (await getTicket(handle, number)).version;
    const results = await Promise.allSettled([
      updateTicket(handle, agent, number, { priority: "high" }, seen),
      updateTicket(handle, { type: "agent", userId: otherAgentId }, number, { priority: "low", status: "pending" }, seen),
    ]);
    const fulfilled = results.filter((result) => result.status === "fulfilled");
    const rejected = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const conflict = rejected[0]!.reason as AppError;
    expect(AppError.is(conflict, "version_conflict")).toBe(true);
    expect(conflict.status).toBe(409);
    const now = await getTicket(handle, number);
    expect(conflict.details?.current).toMatchObject({ version: now.version, priority: now.priority, status: now.status });
    expect(now.version).toBe(seen + 1);
    await countersMatchTickets();
  });
});

describe("bulk changes", () => {
  it("applies one change to every selected ticket, or none when a number is unknown", async () => {
    const a = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Bulk A",
      message: "x",
      channel: "web",
      tags: ["x"],
    });
    const b = await createTicket(handle, agent, { customer: { name: "Ada", email: "ada@tickets.test" }, subject: "Bulk B", message: "x", channel: "web" });
    expect(await bulkUpdateTickets(handle, agent, [a.number, b.number], { addTag: "x" })).toBe(2);
    expect((await getTicket(handle, a.number)).tags).toEqual(["x"]);
    expect((await getTicket(handle, b.number)).tags).toEqual(["x"]);
    await expect(bulkUpdateTickets(handle, agent, [a.number, 999_999], { status: "solved" })).rejects.toBeInstanceOf(AppError);
    expect((await getTicket(handle, a.number)).status).toBe("open");
    await bulkUpdateTickets(handle, agent, [a.number, b.number], { assigneeId: otherAgentId });
    expect((await getTicket(handle, b.number)).assigneeId).toBe(otherAgentId);
    await countersMatchTickets();
  });

  it("refuses to add a tag to tickets that already have 20, naming them, and changes none of the selection", async () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `tag-${i + 1}`);
    const full = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Full of tags",
      message: "x",
      channel: "web",
      tags: twenty,
    });
    const empty = await createTicket(handle, agent, { customer: { name: "Ada", email: "ada@tickets.test" }, subject: "No tags", message: "x", channel: "web" });
    const refused = await bulkUpdateTickets(handle, agent, [empty.number, full.number], { addTag: "one-too-many" }).catch((error: unknown) => error);
    expect(AppError.is(refused)).toBe(true);
    expect(refused).toMatchObject({ status: 409, code: "too_many_tags", details: { numbers: [full.number] } });
    expect((refused as AppError).message).toContain(`#${full.number}`);
    expect((await getTicket(handle, full.number)).tags).toEqual(twenty);
    expect((await getTicket(handle, empty.number)).tags).toEqual([]);
    // A tag the full ticket already has adds nothing to it, so the change goes through.
    expect(await bulkUpdateTickets(handle, agent, [empty.number, full.number], { addTag: "tag-1" })).toBe(2);
    expect((await getTicket(handle, empty.number)).tags).toEqual(["tag-1"]);
    expect((await getTicket(handle, full.number)).tags).toEqual(twenty);
  });

  it("keeps a ticket that has more than 20 tags from before the cap workable: it saves, it loses tags, it gains none", async () => {
    const legacy = Array.from({ length: 25 }, (_, i) => `old-${i + 1}`);
    const { number } = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Tagged long ago",
      message: "x",
      channel: "web",
    });
    await handle.db.update(handle.t.tickets).set({ tags: legacy }).where(eq(handle.t.tickets.number, number));

    expect(await updateTicket(handle, agent, number, { status: "pending", tags: legacy })).toMatchObject({ status: "pending", tags: legacy });
    expect((await updateTicket(handle, agent, number, { tags: legacy.slice(1) })).tags).toHaveLength(24);
    await expect(updateTicket(handle, agent, number, { tags: [...legacy.slice(1), "new-1", "new-2"] })).rejects.toMatchObject({
      code: "too_many_tags",
      details: { field: "tags" },
    });
    expect((await getTicket(handle, number)).tags).toEqual(legacy.slice(1));
    await expect(
      createTicket(handle, agent, {
        customer: { name: "Ada", email: "ada@tickets.test" },
        subject: "Too many",
        message: "x",
        channel: "web",
        tags: legacy.slice(0, 21),
      }),
    ).rejects.toMatchObject({ code: "too_many_tags" });
  });
});

describe("the ticket list", () => {
  it("filters by status, priority, assignee, customer, tag and channel, with tab counts to match", async () => {
    const tagged = await createTicket(handle, agent, {
      customer: { name: "Filter Fan", email: "filters@tickets.test" },
      subject: "Filter me",
      message: "x",
      channel: "portal",
      priority: "low",
      tags: ["needle"],
      assigneeId: otherAgentId,
    });
    const check = async (input: Partial<Record<keyof TicketFilters, unknown>>, viewer = agentId) =>
      (await listTickets(handle, filters(input), viewer)).items.map((item) => item.number);
    expect(await check({ tag: "needle" })).toEqual([tagged.number]);
    expect(await check({ tag: "needle", channel: "email" })).toEqual([]);
    expect(await check({ tag: "needle", priority: "low", channel: "portal", customer: String(tagged.customerId) })).toEqual([tagged.number]);
    expect(await check({ tag: "needle", assignee: "me" })).toEqual([]);
    expect(await check({ tag: "needle", assignee: "me" }, otherAgentId)).toEqual([tagged.number]);
    expect(await check({ tag: "needle", assignee: String(otherAgentId) })).toEqual([tagged.number]);
    expect(await check({ tag: "needle", status: "solved" })).toEqual([]);
    // priority and assignee come from the counters, the tag from the rows: both must agree
    expect((await ticketTabCounts(handle, filters({ priority: "low", assignee: String(otherAgentId) }), agentId)).counts.open).toBe(
      (await listTickets(handle, filters({ status: "open", priority: "low", assignee: String(otherAgentId) }), agentId, 500)).items.length,
    );
    const tabs = await ticketTabCounts(handle, filters({ tag: "needle" }), agentId);
    expect(tabs.counts).toMatchObject({ unsolved: 1, open: 1, solved: 0, all: 1 });

    const all = await ticketTabCounts(handle, filters(), agentId);
    const [row] = await handle.db.select({ n: sql<number>`count(*)::int` }).from(handle.t.tickets);
    expect(all.counts.all).toBe(row!.n);
    const mine = (await listTickets(handle, filters({ status: "all", assignee: "me" }), agentId, 500)).items.length;
    expect((await ticketTabCounts(handle, filters({ assignee: "me" }), agentId)).counts.all).toBe(mine);
    expect(sidebarCounts(await readTicketCounters(handle), agentId).mine).toBe(
      (await listTickets(handle, filters({ assignee: "me" }), agentId, 500)).items.length,
    );
  });

  it("finds tickets by words in the subject or any message, ranked, with stemming", async () => {
    const inSubject = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Refund for the flamingo order",
      message: "Please refund me",
      channel: "web",
    });
    const inMessage = await createTicket(handle, agent, {
      customer: { name: "Ada", email: "ada@tickets.test" },
      subject: "Question",
      message: "Hello",
      channel: "web",
    });
    await addMessage(handle, agent, inMessage.number, { body: "Is this about the flamingos you ordered?", internal: true });
    const found = (await listTickets(handle, filters({ q: "flamingo", status: "all" }), agentId)).items.map((item) => item.number);
    expect(found).toEqual([inSubject.number, inMessage.number]);
    expect((await listTickets(handle, filters({ q: "flamingo -refund", status: "all" }), agentId)).items.map((item) => item.number)).toEqual([
      inMessage.number,
    ]);
    expect((await listTickets(handle, filters({ q: "zebra", status: "all" }), agentId)).items).toEqual([]);
    // renaming the subject re-indexes it, and the messages stay findable
    await updateTicket(handle, agent, inSubject.number, { subject: "Money back" });
    expect((await listTickets(handle, filters({ q: "flamingo", status: "all" }), agentId)).items.map((item) => item.number)).toEqual([inMessage.number]);
    expect((await listTickets(handle, filters({ q: "refund", status: "all" }), agentId)).items.map((item) => item.number)).toContain(inSubject.number);
  });

  it("pages by keyset without duplicates or gaps while new tickets keep arriving, for every sort", async () => {
    const seeded = await createBatch(35, "Paging seed");
    await recountTickets(handle.db, handle.t);
    for (const sort of ["updated", "created", "priority", "relevance"] as const) {
      const base = { status: "all", sort, q: "paging" };
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listTickets(handle, filters({ ...base, cursor }), agentId, 7);
        seen.push(...page.items.map((item) => item.number));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
        if (pages === 2) await createBatch(4, "Paging late");
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      // every ticket that existed when the walk began is on exactly one page
      expect(seeded.filter((number) => !seen.includes(number))).toEqual([]);
    }
  });

  it("refuses a forged cursor with a clear error", async () => {
    await expect(listTickets(handle, filters({ cursor: "not-a-cursor" }), agentId)).rejects.toMatchObject({ status: 400, code: "invalid_cursor" });
    const wrongShape = Buffer.from(JSON.stringify(["x"])).toString("base64url");
    await expect(listTickets(handle, filters({ cursor: wrongShape }), agentId)).rejects.toMatchObject({ status: 400 });
  });
});

async function createBatch(count: number, subject: string): Promise<number[]> {
  const numbers: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const { number } = await createTicket(handle, agentActor({ id: agentId }), {
      customer: { name: "Pager", email: "pager@tickets.test" },
      subject: `${subject} ${i}`,
      message: i % 3 === 0 ? "paging paging paging" : "paging",
      priority: (["low", "normal", "high", "urgent"] as const)[i % 4],
      channel: "web",
    });
    numbers.push(number);
  }
  return numbers;
}
