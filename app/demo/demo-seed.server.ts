import { Faker, en } from "@faker-js/faker";
import { subDays, addMinutes } from "date-fns";
import type { TenantHandle } from "../../tenancy/connection-router";
import { hashPassword } from "../auth/password.server";
import { indexBulkLoadedTickets } from "../tickets/ticket-bulk-load.server";
import { CUSTOMER_CLOSINGS, DEMO_CONVERSATIONS, type DemoConversation } from "./demo-conversations";
import { TICKET_PRIORITIES, type TicketPriority, type StatusCategory } from "../../db/tenant-tables";

export const DEMO_TENANT = {
  slug: "acme",
  name: "Acme Inc",
  admin: { email: "admin@acme.test", name: "Ada Admin", password: "conductor-demo" },
  agent: { email: "agent@acme.test", name: "Alex Agent", password: "conductor-demo" },
} as const;

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
    const agents = [
      { id: admin!.id, name: DEMO_TENANT.admin.name },
      { id: agent!.id, name: DEMO_TENANT.agent.name },
    ];

    const customerRows = Array.from({ length: 50 }, () => {
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      return {
        name: `${first} ${last}`,
        email: faker.internet
          .email({ firstName: first, lastName: last, provider: faker.helpers.arrayElement(["example.com", "example.org", "example.net"]) })
          .toLowerCase(),
        company: faker.helpers.maybe(() => faker.company.name(), { probability: 0.7 }) ?? null,
        createdAt: subDays(now, faker.number.int({ min: 31, max: 200 })),
      };
    });
    const uniqueCustomers = [...new Map(customerRows.map((row) => [row.email, row])).values()];
    const customers = await tx.insert(t.customers).values(uniqueCustomers).returning({ id: t.customers.id, name: t.customers.name });
    // A status of the team's own, as most workspaces add one: some on-hold tickets wait on a supplier.
    await tx.insert(t.ticketStatuses).values({ ...DEMO_VENDOR_STATUS, position: 1 });

    let ticketCount = 0;
    for (let batch = 0; batch < 6; batch += 1) {
      const plans = Array.from({ length: 50 }, () => planTicket(faker, now, customers, agents));
      const inserted = await tx
        .insert(t.tickets)
        .values(plans.map(({ ticket }) => ticket))
        .returning({ id: t.tickets.id, customerId: t.tickets.customerId });
      const messages: Array<typeof t.ticketMessages.$inferInsert> = [];
      const activity: Array<typeof t.activityLogs.$inferInsert> = [];
      inserted.forEach((row, index) => {
        const plan = plans[index]!;
        for (const message of plan.messages)
          messages.push({ ...message, ticketId: row.id, authorCustomerId: message.authorType === "customer" ? row.customerId : null });
        activity.push({
          actorType: "customer",
          actorCustomerId: row.customerId,
          action: "ticket.created",
          entityType: "ticket",
          entityId: row.id,
          ticketId: row.id,
          createdAt: plan.ticket.createdAt,
        });
        if (plan.ticket.assigneeId) {
          activity.push({
            actorType: "agent",
            actorUserId: plan.ticket.assigneeId,
            action: "ticket.assigned",
            entityType: "ticket",
            entityId: row.id,
            ticketId: row.id,
            changes: { assigneeId: { from: null, to: plan.ticket.assigneeId } },
            createdAt: addMinutes(plan.ticket.createdAt, 5),
          });
        }
        if (plan.ticket.statusKey !== "open" && plan.ticket.statusKey !== "new") {
          activity.push({
            actorType: "agent",
            actorUserId: plan.ticket.assigneeId ?? admin!.id,
            action: "ticket.status_changed",
            entityType: "ticket",
            entityId: row.id,
            ticketId: row.id,
            changes: { status: { from: "open", to: plan.ticket.statusKey } },
            createdAt: plan.ticket.updatedAt,
          });
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

type Person = { id: number; name: string };

/** How far a thread has got: an open ticket may await the agent's next answer, a solved one has the resolution. */
const TURNS_BY_STATUS: Record<StatusCategory, number[]> = { new: [0], open: [0, 2], pending: [1], on_hold: [1], solved: [3, 4], closed: [4] };
const DEMO_VENDOR_STATUS = { key: "waiting_on_vendor", category: "on_hold", agentLabel: "Waiting on vendor", customerLabel: "In progress" } as const;

function planTicket(faker: Faker, now: Date, customers: Person[], agents: Person[]) {
  const createdAt = faker.date.between({ from: subDays(now, 30), to: subDays(now, 0.02) });
  const picked = faker.helpers.weightedArrayElement<StatusCategory>(
    (["open", "pending", "on_hold", "solved", "closed"] as const).map((value) => ({
      value,
      weight: { open: 30, pending: 15, on_hold: 5, solved: 35, closed: 15 }[value],
    })),
  );
  const priority = faker.helpers.weightedArrayElement<TicketPriority>(
    TICKET_PRIORITIES.map((value) => ({ value, weight: { low: 20, normal: 50, high: 22, urgent: 8 }[value] })),
  );
  const assignee = picked === "open" && faker.datatype.boolean(0.35) ? null : faker.helpers.arrayElement(agents);
  // Nobody has taken an unassigned open ticket on yet: it is new.
  const status: StatusCategory = picked === "open" && !assignee ? "new" : picked;
  const statusKey = status === "on_hold" && faker.datatype.boolean(0.5) ? DEMO_VENDOR_STATUS.key : status;
  const customer = faker.helpers.arrayElement(customers);
  const conversation = fillIn(faker.helpers.arrayElement(DEMO_CONVERSATIONS), {
    order: `#${faker.number.int({ min: 10_000, max: 99_999 })}`,
    invoice: `INV-${faker.number.int({ min: 1000, max: 9999 })}`,
    amount: `$${faker.number.int({ min: 9, max: 199 })}.00`,
  });
  const customerName = firstName(customer.name);
  const turns = [
    { fromAgent: true, text: conversation.reply },
    { fromAgent: false, text: conversation.followUp },
    { fromAgent: true, text: conversation.resolution },
    { fromAgent: false, text: faker.helpers.arrayElement(CUSTOMER_CLOSINGS) },
  ].slice(0, assignee ? faker.helpers.arrayElement(TURNS_BY_STATUS[status]) : 0);

  const messages: Array<{ authorType: "customer" | "agent"; authorUserId: number | null; internal: boolean; body: string; createdAt: Date }> = [];
  let at = createdAt;
  messages.push({ authorType: "customer", authorUserId: null, internal: false, body: `Hello,\n\n${conversation.opening}\n\n${customerName}`, createdAt: at });
  let firstResponseAt: Date | null = null;
  for (const turn of turns) {
    at = minDate(addMinutes(at, faker.number.int({ min: 10, max: 600 })), now);
    if (turn.fromAgent && !firstResponseAt) firstResponseAt = at;
    messages.push({
      authorType: turn.fromAgent ? "agent" : "customer",
      authorUserId: turn.fromAgent ? assignee!.id : null,
      internal: false,
      body: turn.fromAgent ? `Hi ${customerName},\n\n${turn.text}\n\nBest,\n${firstName(assignee!.name)}` : `${turn.text}\n\n${customerName}`,
      createdAt: at,
    });
    if (turn === turns[0] && faker.datatype.boolean(0.3)) {
      messages.push({ authorType: "agent", authorUserId: assignee!.id, internal: true, body: conversation.note, createdAt: minDate(addMinutes(at, 2), now) });
    }
  }
  const solved = status === "solved" || status === "closed";
  const updatedAt = solved ? minDate(addMinutes(at, faker.number.int({ min: 30, max: 2000 })), now) : at;
  return {
    ticket: {
      subject: conversation.subject,
      statusCategory: status,
      statusKey,
      priority,
      channel: faker.helpers.arrayElement(["web", "email", "portal", "api", "phone"] as const),
      customerId: customer.id,
      assigneeId: assignee?.id ?? null,
      tags: faker.datatype.boolean(0.1) ? [...conversation.tags, "vip"] : conversation.tags,
      firstResponseAt,
      solvedAt: solved ? updatedAt : null,
      createdAt,
      updatedAt,
    },
    messages,
  };
}

/** The conversation with its `{placeholders}` replaced, the same values throughout one ticket. */
function fillIn(conversation: DemoConversation, values: Record<string, string>): DemoConversation {
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (placeholder, name: string) => values[name] ?? placeholder);
  return {
    ...conversation,
    subject: fill(conversation.subject),
    opening: fill(conversation.opening),
    reply: fill(conversation.reply),
    followUp: fill(conversation.followUp),
    resolution: fill(conversation.resolution),
    note: fill(conversation.note),
  };
}

function firstName(name: string): string {
  return name.split(" ")[0] ?? name;
}

function minDate(a: Date, b: Date): Date {
  return a < b ? a : b;
}
