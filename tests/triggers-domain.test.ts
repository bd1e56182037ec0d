import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "../app/activity/actor";
import { listActivity } from "../app/activity/activity-feed.server";
import { AppError } from "../app/app-error";
import { outboundAllowListSetting } from "../app/net/outbound-address-policy.server";
import { addMessage, bulkUpdateTickets, createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import { getTicket, listTicketMessages } from "../app/tickets/ticket-detail.server";
import { triggerMatches, type TriggerFacts } from "../app/triggers/trigger-rules";
import type { TriggerAction, TriggerCondition, TriggerEvent, TriggerInput } from "../app/triggers/trigger-schema";
import { createTrigger, deleteTrigger, listTriggers, moveTrigger, setTriggerActive, updateTrigger } from "../app/triggers/triggers.server";
import { createWebhook } from "../app/webhooks/webhooks.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

// Triggers (issue 14 item 2): conditions, actions, loops and transactions on a real database.
const platform = openTestPlatform();
const mail = { origin: "http://trig.localhost" };
let tenant: TenantRecord;
let other: TenantRecord;
let handle: TenantHandle;
let otherHandle: TenantHandle;
let admin: Actor;
let ann: { id: number; name: string; email: string };
let bob: { id: number; name: string; email: string };
let webhookId: number;

beforeAll(async () => {
  [tenant, other] = await Promise.all([createTestTenant(platform, { name: "Trig Co" }), createTestTenant(platform, { name: "Other Co" })]);
  handle = platform.router.forTenant(tenant);
  otherHandle = platform.router.forTenant(other);
  admin = { type: "agent", userId: (await createMember(platform, tenant, { email: "boss@trig.test", name: "Boss Admin", role: "admin" })).id };
  ann = await createMember(platform, tenant, { email: "ann@trig.test", name: "Ann Agent" });
  bob = await createMember(platform, tenant, { email: "bob@trig.test", name: "Bob Builder" });
  webhookId = await createWebhook(
    handle,
    admin,
    { sessionSecret: "s".repeat(40), outbound: { allowList: outboundAllowListSetting.parse("127.0.0.1"), requireHttps: false } },
    { url: "http://127.0.0.1:9/hook", description: "", events: ["customer.created"], active: true },
  );
  // Open around the clock: "within business hours" holds, whatever the time of the run.
  await handle.db.insert(handle.t.businessSchedules).values({
    name: "Always",
    timeZone: "UTC",
    periods: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "00:00", end: "24:00" })),
    holidays: [],
    isDefault: true,
  });
});
afterAll(() => platform.close());
beforeEach(async () => {
  await handle.db.delete(handle.t.triggers);
});

const trigger = (name: string, events: TriggerEvent[], conditions: TriggerCondition[], actions: TriggerAction[], match: "all" | "any" = "all") =>
  createTrigger(handle, admin, { name, active: true, events, match, conditions, actions });

const customer = () => ({ name: "Vera Important", email: `vip-${crypto.randomUUID().slice(0, 8)}@bigcorp.test` });

async function notes(ticketId: number) {
  return (await listTicketMessages(handle, ticketId, { includeInternal: true })).filter((m) => m.internal).map((m) => m.body);
}

async function triggerEmails() {
  const { t } = handle;
  return handle.db
    .select()
    .from(t.outboundEmails)
    .where(inArray(t.outboundEmails.kind, ["trigger_customer_email", "trigger_notice"]))
    .orderBy(t.outboundEmails.id);
}

async function activity(ticketId: number) {
  const { t } = handle;
  return handle.db
    .select({ action: t.activityLogs.action, actorType: t.activityLogs.actorType, actorLabel: t.activityLogs.actorLabel, changes: t.activityLogs.changes })
    .from(t.activityLogs)
    .where(eq(t.activityLogs.ticketId, ticketId))
    .orderBy(t.activityLogs.id);
}

/**
 * The same ticket facts after each event: status open (pending after the update), priority high,
 * channel email, tag billing, subject "Invoice overdue", assigned to Ann, a customer at bigcorp.test;
 * the message (not for the update) says "Please refund my order".
 */
async function fire(event: TriggerEvent): Promise<{ id: number; number: number }> {
  const base = { subject: "Invoice overdue", message: "Please refund my order", channel: "email" as const, priority: "high" as const, tags: ["billing"] };
  if (event === "ticket_created") return createTicket(handle, admin, { customer: customer(), ...base, assigneeId: ann.id }, mail);
  if (event === "ticket_updated") {
    const ticket = await withoutTriggers(() => createTicket(handle, admin, { customer: customer(), ...base, message: "Hello", priority: "normal" }));
    await updateTicket(handle, admin, ticket.number, { status: "pending", priority: "high", assigneeId: ann.id }, undefined, mail);
    return ticket;
  }
  if (event === "customer_replied") {
    const ticket = await withoutTriggers(async () => {
      const created = await createTicket(handle, admin, { customer: customer(), ...base, message: "Hello", assigneeId: ann.id });
      await updateTicket(handle, admin, created.number, { status: "solved" });
      return created;
    });
    await addMessage(handle, { type: "customer", customerId: ticket.customerId }, ticket.number, { body: "Please refund my order" }, mail);
    return ticket;
  }
  const ticket = await withoutTriggers(() =>
    createTicket(handle, { type: "system" }, { customer: customer(), ...base, message: "Hello", assigneeId: ann.id, status: "new" }),
  );
  await addMessage(handle, { type: "agent", userId: ann.id }, ticket.number, { body: "Please refund my order" }, mail);
  return ticket;
}

/** Runs setup with every trigger switched off, then switches them back on. */
async function withoutTriggers<T>(work: () => Promise<T>): Promise<T> {
  await handle.db.update(handle.t.triggers).set({ active: false });
  try {
    return await work();
  } finally {
    await handle.db.update(handle.t.triggers).set({ active: true });
  }
}

const EVENTS: TriggerEvent[] = ["ticket_created", "ticket_updated", "customer_replied", "agent_replied"];
const all = { ticket_created: true, ticket_updated: true, customer_replied: true, agent_replied: true };
const none = { ticket_created: false, ticket_updated: false, customer_replied: false, agent_replied: false };
const only = (...events: TriggerEvent[]) => ({ ...none, ...Object.fromEntries(events.map((event) => [event, true])) });
const except = (...events: TriggerEvent[]) => ({ ...all, ...Object.fromEntries(events.map((event) => [event, false])) });

describe("conditions, with each event", () => {
  const cases = (): Array<[TriggerCondition, Record<TriggerEvent, boolean>]> => [
    [{ field: "status", operator: "is", value: "open" }, except("ticket_updated")],
    [{ field: "status", operator: "is_not", value: "pending" }, except("ticket_updated")],
    [{ field: "status", operator: "changed_to", value: "open" }, except("ticket_updated")],
    [{ field: "status", operator: "changed_to", value: "pending" }, only("ticket_updated")],
    [{ field: "status", operator: "changed_from", value: "open" }, only("ticket_updated")],
    [{ field: "status", operator: "changed_from", value: "solved" }, only("customer_replied")],
    [{ field: "status", operator: "changed_from", value: "new" }, only("agent_replied")],
    [{ field: "status_category", operator: "is", value: "pending" }, only("ticket_updated")],
    [{ field: "status_category", operator: "is_not", value: "pending" }, except("ticket_updated")],
    [{ field: "priority", operator: "is", value: "high" }, all],
    [{ field: "priority", operator: "is_not", value: "high" }, none],
    [{ field: "priority", operator: "changed_to", value: "high" }, only("ticket_created", "ticket_updated")],
    [{ field: "priority", operator: "changed_from", value: "normal" }, only("ticket_updated")],
    [{ field: "channel", operator: "is", value: "email" }, all],
    [{ field: "channel", operator: "is_not", value: "email" }, none],
    [{ field: "tags", operator: "contains", value: "billing" }, all],
    [{ field: "tags", operator: "not_contains", value: "billing" }, none],
    [{ field: "subject", operator: "contains", value: "OVERDUE" }, all],
    [{ field: "subject", operator: "not_contains", value: "overdue" }, none],
    [{ field: "message_body", operator: "contains", value: "refund" }, except("ticket_updated")],
    [{ field: "message_body", operator: "not_contains", value: "refund" }, only("ticket_updated")],
    [{ field: "customer_domain", operator: "is", value: "bigcorp.test" }, all],
    [{ field: "customer_domain", operator: "is_not", value: "bigcorp.test" }, none],
    [{ field: "assignee", operator: "is", value: ann.id }, all],
    [{ field: "assignee", operator: "is_not", value: ann.id }, none],
    [{ field: "assignee", operator: "is", value: bob.id }, none],
    [{ field: "assignee", operator: "none" }, none],
    [{ field: "assignee", operator: "changed" }, only("ticket_created", "ticket_updated")],
    [{ field: "business_hours", operator: "within" }, all],
    [{ field: "business_hours", operator: "outside" }, none],
  ];

  for (const event of EVENTS) {
    it(`each condition holds or not as it should on ${event}`, async () => {
      const list = cases();
      // One trigger per condition, each leaving a note that names it.
      for (const [index, [condition]] of list.entries()) {
        await trigger(`c${index}`, [event], [condition], [{ type: "add_note", body: `hit ${index}` }]);
      }
      // A trigger for another event never runs.
      await trigger(
        "elsewhere",
        EVENTS.filter((e) => e !== event),
        [],
        [{ type: "add_note", body: "wrong event" }],
      );
      const ticket = await fire(event);
      const hits = (await notes(ticket.id)).sort();
      const expected = list.flatMap(([, when], index) => (when[event] ? [`hit ${index}`] : [])).sort();
      expect(hits).toEqual(expected);
    });
  }

  it("customer email is matched in any case, and 'any' needs one condition where 'all' needs every one", async () => {
    const person = customer();
    await trigger(
      "email",
      ["ticket_created"],
      [{ field: "customer_email", operator: "is", value: person.email.toLowerCase() }],
      [{ type: "add_tags", tags: ["by-email"] }],
    );
    await trigger(
      "not-email",
      ["ticket_created"],
      [{ field: "customer_email", operator: "is_not", value: person.email }],
      [{ type: "add_tags", tags: ["not-email"] }],
    );
    const both: TriggerCondition[] = [
      { field: "priority", operator: "is", value: "low" },
      { field: "channel", operator: "is", value: "phone" },
    ];
    await trigger("all", ["ticket_created"], both, [{ type: "add_tags", tags: ["all"] }], "all");
    await trigger("any", ["ticket_created"], both, [{ type: "add_tags", tags: ["any"] }], "any");
    await trigger("unassigned", ["ticket_created"], [{ field: "assignee", operator: "none" }], [{ type: "add_tags", tags: ["nobody"] }]);
    const ticket = await createTicket(handle, admin, {
      customer: { ...person, email: person.email.toUpperCase() },
      subject: "S",
      message: "M",
      channel: "phone",
    });
    expect((await getTicket(handle, ticket.number)).tags).toEqual(["by-email", "any", "nobody"]);
  });

  it("'outside business hours' holds when the default schedule is closed now", async () => {
    const { t } = handle;
    await handle.db.update(t.businessSchedules).set({ periods: [] }).where(eq(t.businessSchedules.isDefault, true));
    try {
      await trigger("after hours", ["ticket_created"], [{ field: "business_hours", operator: "outside" }], [{ type: "add_tags", tags: ["after-hours"] }]);
      await trigger("in hours", ["ticket_created"], [{ field: "business_hours", operator: "within" }], [{ type: "add_tags", tags: ["in-hours"] }]);
      const ticket = await createTicket(handle, admin, { customer: customer(), subject: "S", message: "M", channel: "web" });
      expect((await getTicket(handle, ticket.number)).tags).toEqual(["after-hours"]);
    } finally {
      await handle.db
        .update(t.businessSchedules)
        .set({ periods: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "00:00", end: "24:00" })) })
        .where(eq(t.businessSchedules.isDefault, true));
    }
  });

  it("the pure engine: a stored row that no longer parses never holds", () => {
    const facts: TriggerFacts = {
      event: "ticket_updated",
      ticket: {
        id: 1,
        number: 1,
        subject: "",
        status: "open",
        statusCategory: "open",
        priority: "low",
        channel: "web",
        tags: [],
        assigneeId: null,
        customerEmail: "a@b.test",
      },
      changes: {},
      messageBody: null,
      withinBusinessHours: () => true,
    };
    expect(triggerMatches({ match: "all", conditions: [] }, facts)).toBe(true);
    expect(triggerMatches({ match: "any", conditions: [null] }, facts)).toBe(false);
    expect(triggerMatches({ match: "all", conditions: [{ field: "priority", operator: "is", value: "low" }, null] }, facts)).toBe(false);
  });
});

describe("actions, with each event", () => {
  const everything = (): TriggerAction[] => [
    { type: "set_status", status: "on_hold" },
    { type: "set_priority", priority: "urgent" },
    { type: "assign", assigneeId: bob.id },
    { type: "add_tags", tags: ["auto", "escalated"] },
    { type: "remove_tags", tags: ["billing"] },
    { type: "add_note", body: "Escalated #{{ticket.number}} for {{customer.first_name}} <b>now</b> ({{ticket.priority}})" },
    { type: "email_customer", subject: "About {{ticket.subject}}", body: "Hello {{customer.first_name}},\n\nWe are on <it> & more." },
    { type: "email_assignee", subject: "Assigned: #{{ticket.number}}", body: "{{agent.name}}, please look at {{ticket.subject}}." },
    { type: "email_address", address: "lead@partner.test", subject: "FYI #{{ticket.number}}", body: "Escalated in {{workspace.name}}." },
    { type: "call_webhook", webhookId },
  ];

  for (const event of EVENTS) {
    it(`applies every action on ${event}, through the ticket commands, as "Trigger: Everything"`, async () => {
      const { t } = handle;
      await handle.db.delete(t.outboundEmails);
      await handle.db.delete(t.webhookDeliveries);
      await trigger("Everything", [event], [], everything());
      const ticket = await fire(event);
      const after = await getTicket(handle, ticket.number);
      expect(after).toMatchObject({ status: "on_hold", priority: "urgent", assigneeId: bob.id, tags: ["auto", "escalated"] });
      expect(await notes(ticket.id)).toEqual([`Escalated #${ticket.number} for Vera <b>now</b> (Urgent)`]);
      const [note] = (await listTicketMessages(handle, ticket.id, { includeInternal: true })).filter((m) => m.internal);
      expect(note!.authorType).toBe("system");

      const emails = await triggerEmails();
      expect(emails.map((email) => [email.kind, email.toAddress, email.subject])).toEqual([
        ["trigger_customer_email", after.customer.email.toLowerCase(), "About Invoice overdue"],
        ["trigger_notice", "bob@trig.test", `Assigned: #${ticket.number}`],
        ["trigger_notice", "lead@partner.test", `FYI #${ticket.number}`],
      ]);
      expect(emails[0]!.textBody).toContain("We are on <it> & more.");
      expect(emails[0]!.htmlBody).toContain("We are on &lt;it&gt; &amp; more.");
      expect(emails[0]!.htmlBody).toContain(`http://trig.localhost/portal/tickets/${ticket.number}`);
      expect(emails[1]!.textBody).toContain("Bob Builder, please look at Invoice overdue.");
      expect(emails[2]!.textBody).toContain("Escalated in Trig Co.");

      const deliveries = await handle.db.select().from(t.webhookDeliveries).where(eq(t.webhookDeliveries.event, "trigger.Everything"));
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({
        webhookId,
        payload: { type: "trigger.Everything", data: { trigger: { name: "Everything" }, ticket: { number: ticket.number } } },
      });
      const { rows: jobs } = await handle.db.execute(
        sql`select 1 from graphile_worker._private_jobs where payload->>'deliveryId' = ${String(deliveries[0]!.id)} and payload->>'tenantId' = ${tenant.id}`,
      );
      expect(jobs).toHaveLength(1);

      // Done by the trigger, in the log and in the feed.
      const log = await activity(ticket.id);
      const byTrigger = log.filter((entry) => entry.actorLabel === "Trigger: Everything");
      expect(byTrigger.map((entry) => entry.action)).toEqual(
        expect.arrayContaining([
          "ticket.status_changed",
          "ticket.priority_changed",
          "ticket.assigned",
          "ticket.tags_changed",
          "ticket.note_added",
          "trigger.fired",
        ]),
      );
      expect(byTrigger.every((entry) => entry.actorType === "system")).toBe(true);
      const fired = log.find((entry) => entry.action === "trigger.fired")!;
      expect((fired.changes!.trigger!.to as { actions: string[] }).actions).toEqual([
        "changed status",
        "changed priority",
        "changed assignee",
        "changed tags",
        "added an internal note",
        "emailed the customer",
        "emailed the assignee",
        "emailed lead@partner.test",
        "called a webhook",
      ]);
      // Counters follow the trigger's changes.
      const { rows } = await handle.db.execute<{ count: number }>(
        sql`select count::int from ${t.ticketCounters} where status = 'on_hold' and assignee_id = ${bob.id} and priority = 'urgent'`,
      );
      expect(rows[0]!.count).toBeGreaterThanOrEqual(1);
    });
  }

  it("assigns to nobody, and the command returns the ticket as the triggers left it", async () => {
    await trigger("unassign", ["ticket_updated"], [{ field: "priority", operator: "changed_to", value: "low" }], [{ type: "assign", assigneeId: null }]);
    const ticket = await createTicket(handle, admin, { customer: customer(), subject: "S", message: "M", channel: "web", assigneeId: ann.id });
    const returned = await updateTicket(handle, admin, ticket.number, { priority: "low" });
    expect(returned).toMatchObject({ assigneeId: null, priority: "low" });
    expect(returned.version).toBe((await getTicket(handle, ticket.number)).version);
  });

  it("fires once per ticket of a bulk change", async () => {
    await trigger("bulk", ["ticket_updated"], [{ field: "priority", operator: "changed_to", value: "urgent" }], [{ type: "add_tags", tags: ["hot"] }]);
    const a = await createTicket(handle, admin, { customer: customer(), subject: "A", message: "M", channel: "web" });
    const b = await createTicket(handle, admin, { customer: customer(), subject: "B", message: "M", channel: "web" });
    await bulkUpdateTickets(handle, admin, [a.number, b.number], { priority: "urgent" });
    expect((await getTicket(handle, a.number)).tags).toEqual(["hot"]);
    expect((await getTicket(handle, b.number)).tags).toEqual(["hot"]);
  });
});

describe("loop safety", () => {
  it("A adds a tag that fires B, which removes it, which would fire A: it stops, and the log says so", async () => {
    await trigger("Tag VIP", ["ticket_updated"], [{ field: "priority", operator: "is", value: "high" }], [{ type: "add_tags", tags: ["vip"] }]);
    await trigger("Untag VIP", ["ticket_updated"], [{ field: "tags", operator: "contains", value: "vip" }], [{ type: "remove_tags", tags: ["vip"] }]);
    const ticket = await createTicket(handle, admin, { customer: customer(), subject: "Loop", message: "M", channel: "web" });
    await updateTicket(handle, admin, ticket.number, { priority: "high" });
    expect((await getTicket(handle, ticket.number)).tags).toEqual([]);
    const log = (await activity(ticket.id)).filter((entry) => entry.action.startsWith("trigger.") || entry.action === "ticket.tags_changed");
    expect(log.map((entry) => [entry.action, entry.actorLabel])).toEqual([
      ["ticket.tags_changed", "Trigger: Tag VIP"],
      ["trigger.fired", "Trigger: Tag VIP"],
      ["ticket.tags_changed", "Trigger: Untag VIP"],
      ["trigger.fired", "Trigger: Untag VIP"],
      ["trigger.loop_stopped", "Trigger: Tag VIP"],
    ]);
    // The next change by a person is a new originating change: each may fire once again.
    await updateTicket(handle, admin, ticket.number, { subject: "Loop again" });
    const fired = (await activity(ticket.id)).filter((entry) => entry.action === "trigger.fired");
    expect(fired).toHaveLength(4);
  });

  it("a chain deeper than 5 is cut, with a warning in the log", async () => {
    // Created last to first, so each step runs after the one it follows has had its pass: the chain nests.
    for (let n = 6; n >= 1; n--) {
      await trigger(`Step ${n}`, ["ticket_updated"], [{ field: "tags", operator: "contains", value: `c${n}` }], [{ type: "add_tags", tags: [`c${n + 1}`] }]);
    }
    const ticket = await createTicket(handle, admin, { customer: customer(), subject: "Chain", message: "M", channel: "web" });
    await updateTicket(handle, admin, ticket.number, { tags: ["c1"] });
    expect((await getTicket(handle, ticket.number)).tags).toEqual(["c1", "c2", "c3", "c4", "c5", "c6"]);
    const log = await activity(ticket.id);
    expect(log.filter((entry) => entry.action === "trigger.fired").map((entry) => entry.actorLabel)).toEqual([1, 2, 3, 4, 5].map((n) => `Trigger: Step ${n}`));
    const cut = log.filter((entry) => entry.action === "trigger.chain_cut");
    expect(cut).toMatchObject([{ actorLabel: "Trigger: Step 5", changes: { chain: { to: { depth: 6, limit: 5 } } } }]);
    const feed = await listActivity(handle, { ticketId: ticket.id });
    expect(feed.items[0]!.action).toBe("trigger.chain_cut");
  });
});

describe("mail", () => {
  it("never emails in answer to automated mail (addMessage without a mail context), but still runs its other actions", async () => {
    const { t } = handle;
    await handle.db.delete(t.outboundEmails);
    await trigger(
      "Answer",
      ["customer_replied"],
      [],
      [
        { type: "email_customer", subject: "Thanks", body: "We got it." },
        { type: "email_address", address: "lead@partner.test", subject: "Reply", body: "A reply came." },
        { type: "add_tags", tags: ["replied"] },
      ],
    );
    const ticket = await createTicket(handle, admin, { customer: customer(), subject: "Auto", message: "M", channel: "email" });
    await addMessage(handle, { type: "customer", customerId: ticket.customerId }, ticket.number, { body: "I am out of the office." });
    expect(await triggerEmails()).toHaveLength(0);
    expect((await getTicket(handle, ticket.number)).tags).toEqual(["replied"]);
    const fired = (await activity(ticket.id)).find((entry) => entry.action === "trigger.fired")!;
    expect((fired.changes!.trigger!.to as { actions: string[] }).actions).toContain(
      "did not email the customer (no email is sent for automated messages and imports)",
    );
    // The same reply by a person, with a mail context, is answered.
    await addMessage(handle, { type: "customer", customerId: ticket.customerId }, ticket.number, { body: "Any news?" }, mail);
    expect((await triggerEmails()).map((email) => email.subject)).toEqual(["Thanks", "Reply"]);
  });

  it("does not email the assignee of an unassigned ticket", async () => {
    const { t } = handle;
    await handle.db.delete(t.outboundEmails);
    await trigger("Tell assignee", ["ticket_created"], [], [{ type: "email_assignee", subject: "New", body: "New ticket." }]);
    await createTicket(handle, admin, { customer: customer(), subject: "S", message: "M", channel: "web" }, mail);
    expect(await triggerEmails()).toHaveLength(0);
  });
});

describe("transactions", () => {
  it("a failing action rolls back the whole change: the person's edit, the trigger's other actions, the log and the outbox", async () => {
    const { t } = handle;
    await handle.db.delete(t.outboundEmails);
    const leaving = await createMember(platform, tenant, { email: `leaving-${crypto.randomUUID().slice(0, 6)}@trig.test`, name: "Leaving" });
    await trigger(
      "Note first",
      ["ticket_updated"],
      [],
      [
        { type: "add_note", body: "noted" },
        { type: "email_address", address: "x@partner.test", subject: "s", body: "b" },
      ],
    );
    await trigger(
      "Hand over",
      ["ticket_updated"],
      [],
      [
        { type: "assign", assigneeId: leaving.id },
        { type: "call_webhook", webhookId },
      ],
    );
    const ticket = await createTicket(handle, admin, { customer: customer(), subject: "Rollback", message: "M", channel: "web" });
    const before = await activity(ticket.id);
    const deliveriesBefore = await handle.db.select().from(t.webhookDeliveries);
    await handle.db.update(t.users).set({ active: false }).where(eq(t.users.id, leaving.id));

    const error = await updateTicket(handle, admin, ticket.number, { priority: "urgent" }, undefined, mail).catch((e: unknown) => e);
    expect(AppError.is(error, "conflict")).toBe(true);
    expect((error as AppError).message).toContain("The trigger “Hand over” could not run");
    expect(await getTicket(handle, ticket.number)).toMatchObject({ priority: "normal", assigneeId: null, version: 1 });
    expect(await notes(ticket.id)).toEqual([]);
    expect(await activity(ticket.id)).toEqual(before);
    expect(await triggerEmails()).toHaveLength(0);
    expect(await handle.db.select().from(t.webhookDeliveries)).toEqual(deliveriesBefore);
  });
});

describe("managing triggers", () => {
  const input = (name: string, extra: Partial<TriggerInput> = {}): TriggerInput => ({
    name,
    active: true,
    events: ["ticket_created"],
    match: "all",
    conditions: [],
    actions: [{ type: "add_tags", tags: [name.toLowerCase().replace(/\W/g, "")] }],
    ...extra,
  });

  it("runs them in their order, which moves up and down; switched-off and deleted ones do not run", async () => {
    const first = await createTrigger(handle, admin, input("First", { actions: [{ type: "set_priority", priority: "low" }] }));
    const second = await createTrigger(handle, admin, input("Second", { actions: [{ type: "set_priority", priority: "high" }] }));
    const priority = async () =>
      (await getTicket(handle, (await createTicket(handle, admin, { customer: customer(), subject: "S", message: "M", channel: "web" })).number)).priority;
    expect(await priority()).toBe("high"); // the later one wins
    await moveTrigger(handle, admin, second.id, "up");
    expect((await listTriggers(handle)).map((row) => row.name)).toEqual(["Second", "First"]);
    expect(await priority()).toBe("low");
    await moveTrigger(handle, admin, second.id, "up"); // already first: nothing changes
    expect((await listTriggers(handle)).map((row) => row.name)).toEqual(["Second", "First"]);
    await setTriggerActive(handle, admin, first.id, false);
    expect(await priority()).toBe("high");
    await deleteTrigger(handle, admin, second.id);
    expect(await priority()).toBe("normal");
  });

  it("refuses duplicate names in any case, other workspaces' members, webhooks and unknown statuses", async () => {
    await createTrigger(handle, admin, input("Escalate"));
    await expect(createTrigger(handle, admin, input("ESCALATE"))).rejects.toMatchObject({ details: { field: "name" } });
    // Ids that exist in the other workspace only.
    const foreignMember = await createMember(platform, other, { email: `x-${crypto.randomUUID().slice(0, 6)}@other.test` });
    for (let i = 0; i < 6; i++) await createMember(platform, other, { email: `pad${i}-${crypto.randomUUID().slice(0, 6)}@other.test` });
    const foreignId = foreignMember.id + 6;
    const mine = await handle.db.select({ id: handle.t.users.id }).from(handle.t.users).where(eq(handle.t.users.id, foreignId));
    expect(mine).toHaveLength(0);
    await expect(createTrigger(handle, admin, input("Foreign member", { actions: [{ type: "assign", assigneeId: foreignId }] }))).rejects.toMatchObject({
      details: { field: "actions[0].value" },
    });
    await expect(
      createTrigger(handle, admin, input("Foreign member cond", { conditions: [{ field: "assignee", operator: "is", value: foreignId }] })),
    ).rejects.toMatchObject({ details: { field: "conditions[0].value" } });
    await expect(
      createTrigger(handle, admin, input("Foreign hook", { actions: [{ type: "call_webhook", webhookId: webhookId + 1000 }] })),
    ).rejects.toMatchObject({ details: { field: "actions[0].value" } });
    await expect(createTrigger(handle, admin, input("No status", { actions: [{ type: "set_status", status: "nonexistent" }] }))).rejects.toMatchObject({
      details: { field: "actions[0].value" },
    });
    // The domain checks shapes itself, for callers other than the form.
    await expect(
      createTrigger(handle, admin, input("Hostile", { conditions: [{ field: "priority", operator: "contains", value: "x" } as unknown as TriggerCondition] })),
    ).rejects.toMatchObject({ details: { field: "conditions[0].operator" } });
    await expect(
      createTrigger(
        handle,
        admin,
        input("Too many", { conditions: Array.from({ length: 1000 }, () => ({ field: "priority", operator: "is", value: "low" }) as TriggerCondition) }),
      ),
    ).rejects.toMatchObject({ details: { field: "conditions" } });
    expect((await listTriggers(handle)).map((row) => row.name)).toEqual(["Escalate"]);
    const updated = await updateTrigger(handle, admin, (await listTriggers(handle))[0]!.id, input("Escalate now"));
    expect(updated.name).toBe("Escalate now");
  });

  it("is per workspace: a trigger in one never runs in another, and its id names nothing there", async () => {
    const mineTrigger = await createTrigger(handle, admin, input("Mine", { actions: [{ type: "add_tags", tags: ["mine"] }] }));
    const otherAdmin: Actor = { type: "agent", userId: (await createMember(platform, other, { email: "boss@other.test", role: "admin" })).id };
    const theirs = await createTicket(otherHandle, otherAdmin, { customer: customer(), subject: "Theirs", message: "M", channel: "web" });
    expect((await getTicket(otherHandle, theirs.number)).tags).toEqual([]);
    await expect(deleteTrigger(otherHandle, otherAdmin, mineTrigger.id)).rejects.toMatchObject({ code: "not_found" });
    expect(await otherHandle.db.select().from(otherHandle.t.triggers)).toHaveLength(0);
    const { rows } = await otherHandle.db.execute(sql`select 1 from ${otherHandle.t.activityLogs} where action like 'trigger.%'`);
    expect(rows).toHaveLength(0);
  });
});
