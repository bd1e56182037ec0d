import { Faker, en } from "@faker-js/faker";
import { subDays, addMinutes } from "date-fns";
import type { TenantHandle } from "../tenancy/connection-router";
import { hashPassword } from "../app/auth/password.server";
import { indexBulkLoadedTickets } from "../app/tickets/ticket-bulk-load.server";
import { TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from "./tenant-tables";

export const DEMO_TENANT = {
  slug: "acme",
  name: "Acme Inc",
  admin: { email: "admin@acme.test", name: "Ada Admin", password: "conductor-demo" },
  agent: { email: "agent@acme.test", name: "Alex Agent", password: "conductor-demo" },
} as const;

const SUBJECTS = [
  "Cannot log in to my account", "Invoice shows the wrong amount", "How do I export my data?",
  "Order arrived damaged", "Password reset email never arrives", "Feature request: dark mode",
  "Charged twice this month", "App crashes when uploading a photo", "Change the email on my account",
  "Shipping to Canada?", "Refund for cancelled subscription", "Two-factor codes are rejected",
  "API returns 500 on /orders", "Add a teammate to our plan", "Delivery is a week late",
  "Where can I download my receipts?", "Sync with Google Calendar stopped", "Discount code not applied",
  "Please close my account", "Slow dashboard since yesterday",
];
const CUSTOMER_LINES = [
  "Hi, I tried again this morning and it still does not work.", "Could you please look into this? It is blocking our team.",
  "Thanks for the quick reply! One more question though.", "Attached is a screenshot of what I see.",
  "This started after the last update.", "Any news on this? We are waiting on it.",
];
const AGENT_LINES = [
  "Thanks for reaching out! I am looking into this now.", "Could you tell me which browser and version you are using?",
  "I have escalated this to our engineering team and will update you shortly.", "Good news: this is fixed on our side. Can you try again?",
  "I have issued the refund; it should appear within 5 business days.", "Happy to help. Is there anything else I can do?",
];

/** Fills a freshly created demo workspace with a believable month of support work. */
export async function seedDemoData(handle: TenantHandle, now = new Date()): Promise<{ customers: number; tickets: number }> {
  const faker = new Faker({ locale: [en] });
  faker.seed(20261125);
  const { t } = handle;
  const agentHash = await hashPassword(DEMO_TENANT.agent.password);

  return handle.transaction(async (tx) => {
    const [admin] = await tx.select({ id: t.users.id }).from(t.users).limit(1);
    const [agent] = await tx
      .insert(t.users)
      .values({ email: DEMO_TENANT.agent.email, name: DEMO_TENANT.agent.name, role: "agent", passwordHash: agentHash })
      .returning({ id: t.users.id });
    const agentIds = [admin!.id, agent!.id];

    const customerRows = Array.from({ length: 50 }, () => {
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      return {
        name: `${first} ${last}`,
        email: faker.internet.email({ firstName: first, lastName: last, provider: faker.helpers.arrayElement(["example.com", "example.org", "example.net"]) }).toLowerCase(),
        company: faker.helpers.maybe(() => faker.company.name(), { probability: 0.7 }) ?? null,
        createdAt: subDays(now, faker.number.int({ min: 31, max: 200 })),
      };
    });
    const uniqueCustomers = [...new Map(customerRows.map((row) => [row.email, row])).values()];
    const customers = await tx.insert(t.customers).values(uniqueCustomers).returning({ id: t.customers.id });

    let ticketCount = 0;
    for (let batch = 0; batch < 6; batch += 1) {
      const plans = Array.from({ length: 50 }, () => planTicket(faker, now, customers.map((c) => c.id), agentIds));
      const inserted = await tx
        .insert(t.tickets)
        .values(plans.map(({ ticket }) => ticket))
        .returning({ id: t.tickets.id, customerId: t.tickets.customerId });
      const messages: Array<typeof t.ticketMessages.$inferInsert> = [];
      const activity: Array<typeof t.activityLogs.$inferInsert> = [];
      inserted.forEach((row, index) => {
        const plan = plans[index]!;
        for (const message of plan.messages) messages.push({ ...message, ticketId: row.id, authorCustomerId: message.authorType === "customer" ? row.customerId : null });
        activity.push({ actorType: "customer", actorCustomerId: row.customerId, action: "ticket.created", entityType: "ticket", entityId: row.id, ticketId: row.id, createdAt: plan.ticket.createdAt });
        if (plan.ticket.assigneeId) {
          activity.push({ actorType: "agent", actorUserId: plan.ticket.assigneeId, action: "ticket.assigned", entityType: "ticket", entityId: row.id, ticketId: row.id, changes: { assigneeId: { from: null, to: plan.ticket.assigneeId } }, createdAt: addMinutes(plan.ticket.createdAt, 5) });
        }
        if (plan.ticket.status !== "open") {
          activity.push({ actorType: "agent", actorUserId: plan.ticket.assigneeId ?? admin!.id, action: "ticket.status_changed", entityType: "ticket", entityId: row.id, ticketId: row.id, changes: { status: { from: "open", to: plan.ticket.status } }, createdAt: plan.ticket.updatedAt });
        }
      });
      await tx.insert(t.ticketMessages).values(messages);
      await tx.insert(t.activityLogs).values(activity);
      ticketCount += inserted.length;
    }
    await indexBulkLoadedTickets(tx, t);
    return { customers: customers.length, tickets: ticketCount };
  });
}

function planTicket(faker: Faker, now: Date, customerIds: number[], agentIds: number[]) {
  const createdAt = faker.date.between({ from: subDays(now, 30), to: subDays(now, 0.02) });
  const status = faker.helpers.weightedArrayElement<TicketStatus>(
    TICKET_STATUSES.map((value) => ({ value, weight: { open: 30, pending: 15, on_hold: 5, solved: 35, closed: 15 }[value] })),
  );
  const priority = faker.helpers.weightedArrayElement<TicketPriority>(
    TICKET_PRIORITIES.map((value) => ({ value, weight: { low: 20, normal: 50, high: 22, urgent: 8 }[value] })),
  );
  const assigneeId = status === "open" && faker.datatype.boolean(0.35) ? null : faker.helpers.arrayElement(agentIds);
  const replies = faker.number.int({ min: 1, max: 4 });
  const messages: Array<{ authorType: "customer" | "agent"; authorUserId: number | null; internal: boolean; body: string; createdAt: Date }> = [];
  let at = createdAt;
  messages.push({ authorType: "customer", authorUserId: null, internal: false, body: `${faker.lorem.sentences({ min: 2, max: 4 })}\n\n${faker.helpers.arrayElement(CUSTOMER_LINES)}`, createdAt: at });
  let firstResponseAt: Date | null = null;
  for (let i = 0; i < replies && assigneeId; i += 1) {
    at = minDate(addMinutes(at, faker.number.int({ min: 10, max: 600 })), now);
    const fromAgent = i % 2 === 0;
    const internal = fromAgent && faker.datatype.boolean(0.15);
    if (fromAgent && !internal && !firstResponseAt) firstResponseAt = at;
    messages.push({
      authorType: fromAgent ? "agent" : "customer",
      authorUserId: fromAgent ? assigneeId : null,
      internal,
      body: internal ? `Internal: ${faker.lorem.sentence()}` : faker.helpers.arrayElement(fromAgent ? AGENT_LINES : CUSTOMER_LINES),
      createdAt: at,
    });
  }
  const solved = status === "solved" || status === "closed";
  const updatedAt = solved ? minDate(addMinutes(at, faker.number.int({ min: 30, max: 2000 })), now) : at;
  return {
    ticket: {
      subject: faker.helpers.arrayElement(SUBJECTS),
      status,
      priority,
      channel: faker.helpers.arrayElement(["web", "email", "portal", "api", "phone"] as const),
      customerId: faker.helpers.arrayElement(customerIds),
      assigneeId,
      tags: faker.helpers.arrayElements(["billing", "bug", "account", "shipping", "feature-request", "vip"], { min: 0, max: 2 }),
      firstResponseAt,
      solvedAt: solved ? updatedAt : null,
      createdAt,
      updatedAt,
    },
    messages,
  };
}

function minDate(a: Date, b: Date): Date {
  return a < b ? a : b;
}
