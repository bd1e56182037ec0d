import { and, eq, inArray, sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables, TicketChannel, TicketPriority, StatusCategory } from "../../db/tenant-tables";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import { AppError, fieldError, notFound } from "../app-error";
import { customerExists, findOrCreateCustomer } from "../customers/customers.server";
import type { MailContext } from "../email/notifications.server";
import { queueTicketMessageEmails } from "../email/ticket-emails.server";
import { trackTicketSla, type SlaChange } from "../service-levels/ticket-sla.server";
import { newTriggerRun, runTriggers, type AutomatedActor, type TriggerOps, type TriggerRun } from "../triggers/run-triggers.server";
import type { TriggerChanges } from "../triggers/trigger-rules";
import { queueWebhookEvent } from "../webhooks/webhook-outbox.server";
import { ticketEventData } from "../webhooks/webhook-payloads.server";
import { builtInStatusKey } from "../ticket-statuses/ticket-status-catalog";
import { resolveStatusForChange } from "../ticket-statuses/ticket-statuses.server";
import { forgetTicketCounters, moveTicketCount } from "./ticket-counters.server";
import { MAX_TAGS_PER_TICKET } from "./ticket-schemas";
import { bodyDocument, rebuiltDocument, subjectDocument } from "./ticket-search-document.server";

export type NewTicket = {
  customer: { id: number } | { name: string; email: string };
  subject: string;
  message: string;
  priority?: TicketPriority;
  /** A status key; by default a customer's ticket is new and an agent's is open. */
  status?: string;
  channel: TicketChannel;
  assigneeId?: number | null;
  tags?: string[];
  /** The portal request category the customer chose. */
  category?: string | null;
};

/** The properties an agent can change (`status` is a status key); `undefined` leaves a field as it is. */
export type TicketChanges = { subject?: string; status?: string; priority?: TicketPriority; assigneeId?: number | null; tags?: string[] };

export type TicketProperties = {
  number: number;
  version: number;
  subject: string;
  /** The workspace's status key. */
  status: string;
  /** Its category, which every rule reads. */
  statusCategory: StatusCategory;
  priority: TicketPriority;
  assigneeId: number | null;
  tags: string[];
};

/** Someone else changed the ticket since the client read `expectedVersion`; `details.current` is what it is now (the documented properties only). */
function versionConflict(row: TicketProperties): AppError {
  const current: TicketProperties = {
    number: row.number,
    version: row.version,
    subject: row.subject,
    status: row.status,
    statusCategory: row.statusCategory,
    priority: row.priority,
    assigneeId: row.assigneeId,
    tags: row.tags,
  };
  return new AppError(
    "version_conflict",
    `Ticket #${current.number} was changed by someone else since you opened it. Review the current values and apply your change again.`,
    { current },
  );
}

/** A person, Conductor, or one of the workspace's automations (a trigger) acting as Conductor under its own name. */
type CommandActor = Actor | AutomatedActor;

/** The actor columns of an activity entry, with the automation's name when it is one. */
const activityActor = (actor: CommandActor) => ({ ...actorColumns(actor), actorLabel: "label" in actor ? actor.label : null });

const FIELD_ACTIONS = {
  subject: "ticket.subject_changed",
  status: "ticket.status_changed",
  priority: "ticket.priority_changed",
  assigneeId: "ticket.assigned",
  tags: "ticket.tags_changed",
} as const;

/**
 * Creates a ticket with its first message (written as the customer's words, also when an agent
 * takes it down on their behalf), the customer when new, the counters and the activity entry:
 * all in one transaction.
 */
export async function createTicket(
  handle: TenantHandle,
  actor: Actor,
  input: NewTicket,
  mail?: MailContext,
): Promise<{ id: number; number: number; customerId: number }> {
  const { t } = handle;
  assertTagCount(input.tags ?? [], []);
  return countersChanged(handle, async (tx) => {
    let customerId: number;
    if ("id" in input.customer) {
      if (!(await customerExists(tx, t, input.customer.id))) throw fieldError("customerId", "That customer does not exist in this workspace.");
      customerId = input.customer.id;
    } else {
      customerId = (await findOrCreateCustomer(tx, handle, actor, input.customer)).id;
    }
    const assigneeId = input.assigneeId ?? null;
    if (assigneeId !== null) await assertAssignable(tx, t, assigneeId);
    const status = await resolveStatusForChange(tx, t, input.status ?? builtInStatusKey(actor.type === "agent" ? "open" : "new"));
    const [ticket] = await tx
      .insert(t.tickets)
      .values({
        subject: input.subject,
        statusKey: status.key,
        statusCategory: status.category,
        priority: input.priority ?? "normal",
        channel: input.channel,
        customerId,
        assigneeId,
        tags: input.tags ?? [],
        category: input.category ?? null,
        solvedAt: isSolved(status.category) ? sql`now()` : null,
        searchDocument: sql`${subjectDocument(input.subject)} || ${bodyDocument(input.message)}`,
      })
      .returning({ id: t.tickets.id, number: t.tickets.number });
    await tx.insert(t.ticketMessages).values({ ticketId: ticket!.id, authorType: "customer", authorCustomerId: customerId, body: input.message });
    await moveTicketCount(tx, t, null, { statusCategory: status.category, assigneeId, priority: input.priority ?? "normal" });
    await trackTicketSla(tx, t, ticket!.id, ["ticket_created"]);
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "ticket.created",
      entityType: "ticket",
      entityId: ticket!.id,
      ticketId: ticket!.id,
      changes: {
        subject: { from: null, to: input.subject },
        status: { from: null, to: status.key },
        priority: { from: null, to: input.priority ?? "normal" },
        assigneeId: { from: null, to: assigneeId },
        tags: { from: null, to: input.tags ?? [] },
      },
    });
    await queueWebhookEvent({ tx, handle }, "ticket.created", () => ticketEventData(tx, t, ticket!.id));
    await runTriggers(tx, handle, triggerOps(tx, handle), newTriggerRun(mail), {
      event: "ticket_created",
      ticketId: ticket!.id,
      changes: {
        subject: { from: null, to: input.subject },
        status: { from: null, to: status.key },
        priority: { from: null, to: input.priority ?? "normal" },
        assigneeId: { from: null, to: assigneeId },
        tags: { from: null, to: input.tags ?? [] },
      },
      messageBody: input.message,
      depth: 1,
    });
    return { id: ticket!.id, number: ticket!.number, customerId };
  });
}

/**
 * Applies property changes and records one activity entry per changed field, then runs the
 * `ticket_updated` triggers; returns the ticket as it is after them. With `expectedVersion`, refuses
 * (`version_conflict`) when someone else changed the ticket first. With `mail`, triggers may send email.
 */
export async function updateTicket(
  handle: TenantHandle,
  actor: Actor,
  number: number,
  changes: TicketChanges,
  expectedVersion?: number,
  mail?: MailContext,
): Promise<TicketProperties> {
  return countersChanged(handle, (tx) => updateTicketInTransaction(tx, handle, actor, number, changes, expectedVersion, newTriggerRun(mail)));
}

async function updateTicketInTransaction(
  tx: TenantTransaction,
  handle: Pick<TenantHandle, "t" | "tenant">,
  actor: Actor,
  number: number,
  changes: TicketChanges,
  expectedVersion: number | undefined,
  run: TriggerRun,
): Promise<TicketProperties> {
  const { current, next, diff } = await applyTicketChanges(tx, handle, actor, number, changes, expectedVersion);
  if (Object.keys(diff).length === 0) return next;
  await runTriggers(tx, handle, triggerOps(tx, handle), run, {
    event: "ticket_updated",
    ticketId: current.id,
    changes: diff,
    messageBody: null,
    depth: 1,
    ticket: { ...next, id: current.id, channel: current.channel },
  });
  return run.changed ? lockTicket(tx, handle.t, number) : next;
}

/** The update itself, without triggers: what a person's change and a trigger's change share. */
async function applyTicketChanges(
  tx: TenantTransaction,
  handle: Pick<TenantHandle, "t" | "tenant">,
  actor: CommandActor,
  number: number,
  changes: TicketChanges,
  expectedVersion?: number,
): Promise<{ current: LockedTicket; next: TicketProperties; diff: TriggerChanges }> {
  const { t } = handle;
  const current = await lockTicket(tx, t, number);
  if (expectedVersion !== undefined && expectedVersion !== current.version) throw versionConflict(current);

  const diff: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of ["subject", "status", "priority", "assigneeId", "tags"] as const) {
    const next = changes[field];
    if (next === undefined || JSON.stringify(next) === JSON.stringify(current[field])) continue;
    diff[field] = { from: current[field], to: next };
  }
  // Someone took a new ticket on: it leaves New for Open unless they chose its status themselves.
  if (!diff.status && current.statusCategory === "new" && diff.assigneeId && changes.assigneeId != null) {
    diff.status = { from: current.status, to: builtInStatusKey("open") };
  }
  if (Object.keys(diff).length === 0) return { current, next: current, diff };
  if (diff.assigneeId && changes.assigneeId != null) await assertAssignable(tx, t, changes.assigneeId);
  if (diff.tags) assertTagCount(changes.tags!, current.tags);
  const status = diff.status ? await resolveStatusForChange(tx, t, diff.status.to as string) : { key: current.status, category: current.statusCategory };

  const next: TicketProperties = { ...current, ...stripUndefined(changes), status: status.key, statusCategory: status.category, version: current.version + 1 };
  const solvedNow = isSolved(next.statusCategory) && !isSolved(current.statusCategory);
  const reopened = !isSolved(next.statusCategory) && isSolved(current.statusCategory);
  await tx
    .update(t.tickets)
    .set({
      subject: next.subject,
      statusKey: next.status,
      statusCategory: next.statusCategory,
      priority: next.priority,
      assigneeId: next.assigneeId,
      tags: next.tags,
      version: next.version,
      updatedAt: sql`now()`,
      ...(solvedNow ? { solvedAt: sql`now()` } : reopened ? { solvedAt: null } : {}),
      ...(diff.subject ? { searchDocument: rebuiltDocument(t, next.subject) } : {}),
    })
    .where(eq(t.tickets.number, number));
  if (next.statusCategory !== current.statusCategory || diff.assigneeId || diff.priority) await moveTicketCount(tx, t, current, next);
  const slaChanges: SlaChange[] = [
    ...(diff.status ? (["status_changed"] as const) : []),
    ...(diff.priority || diff.tags ? (["properties_changed"] as const) : []),
  ];
  if (slaChanges.length > 0) await trackTicketSla(tx, t, current.id, slaChanges);
  for (const [field, change] of Object.entries(diff)) {
    await recordActivity(tx, t, {
      ...activityActor(actor),
      action: FIELD_ACTIONS[field as keyof typeof FIELD_ACTIONS],
      entityType: "ticket",
      entityId: current.id,
      ticketId: current.id,
      changes: { [field]: change },
    });
  }
  await queueWebhookEvent({ tx, handle }, "ticket.updated", async () => ({ ...(await ticketEventData(tx, t, current.id)), changes: diff }));
  return { current, next, diff };
}

/** What triggers change through: the same in-transaction commands, which do not run triggers themselves (the runner chains them). */
function triggerOps(tx: TenantTransaction, handle: Pick<TenantHandle, "t" | "tenant">): TriggerOps {
  return {
    applyChanges: async (actor, number, changes) => (await applyTicketChanges(tx, handle, actor, number, changes)).diff,
    addNote: async (actor, number, body) => {
      await addMessageInTransaction(tx, handle, actor, number, { body, internal: true });
    },
  };
}

export type NewMessage = { body: string; internal?: boolean };

/**
 * Adds a reply or an internal note. The first public agent reply stamps the first response and
 * moves a new ticket to Open; a customer's reply reopens a solved or closed ticket so it is not missed. With `mail`, the emails
 * the message causes (reply to the customer, notice to the assignee) are queued in the same
 * transaction; without it (imports, seeds) none are.
 */
export async function addMessage(
  handle: TenantHandle,
  actor: Actor,
  number: number,
  input: NewMessage,
  mail?: MailContext,
): Promise<{ id: number; createdAt: Date }> {
  if (actor.type === "customer" && input.internal) throw new AppError("forbidden", "Customers cannot write internal notes.");
  return countersChanged(handle, async (tx) => {
    const { message, ticketId, statusChange } = await addMessageInTransaction(tx, handle, actor, number, input, mail);
    // Replies fire their own event; internal notes and Conductor's messages fire none.
    const event = actor.type === "customer" ? "customer_replied" : actor.type === "agent" && !input.internal ? "agent_replied" : null;
    if (event) {
      await runTriggers(tx, handle, triggerOps(tx, handle), newTriggerRun(mail), {
        event,
        ticketId,
        changes: statusChange ? { status: statusChange } : {},
        messageBody: input.body,
        depth: 1,
      });
    }
    return message;
  });
}

async function addMessageInTransaction(
  tx: TenantTransaction,
  handle: Pick<TenantHandle, "t" | "tenant">,
  actor: CommandActor,
  number: number,
  input: NewMessage,
  mail?: MailContext,
): Promise<{ message: { id: number; createdAt: Date }; ticketId: number; statusChange: { from: string; to: string } | null }> {
  const { t } = handle;
  const current = await lockTicket(tx, t, number);
  if (actor.type === "customer" && current.customerId !== actor.customerId) throw notFound("That ticket");
  const internal = Boolean(input.internal);
  const [message] = await tx
    .insert(t.ticketMessages)
    .values({
      ticketId: current.id,
      authorType: actor.type,
      authorUserId: actor.type === "agent" ? actor.userId : null,
      authorCustomerId: actor.type === "customer" ? actor.customerId : null,
      internal,
      body: input.body,
    })
    .returning({ id: t.ticketMessages.id, createdAt: t.ticketMessages.createdAt });
  const firstResponse = actor.type === "agent" && !internal && current.firstResponseAt === null;
  // A customer's reply reopens a solved ticket so it is not missed; an agent's public reply takes a new one on.
  const reopen = actor.type === "customer" && isSolved(current.statusCategory);
  const takenOn = actor.type === "agent" && !internal && current.statusCategory === "new";
  const moveTo = reopen || takenOn ? await resolveBuiltIn(tx, t, "open") : null;
  await tx
    .update(t.tickets)
    .set({
      updatedAt: sql`now()`,
      searchDocument: sql`${t.tickets.searchDocument} || ${bodyDocument(input.body)}`,
      ...(firstResponse ? { firstResponseAt: sql`now()` } : {}),
      ...(moveTo ? { statusKey: moveTo.key, statusCategory: moveTo.category, solvedAt: null, version: current.version + 1 } : {}),
    })
    .where(eq(t.tickets.id, current.id));
  const action = actor.type === "customer" ? "ticket.customer_replied" : internal ? "ticket.note_added" : "ticket.replied";
  await recordActivity(tx, t, { ...activityActor(actor), action, entityType: "message", entityId: message!.id, ticketId: current.id });
  if (moveTo) {
    await moveTicketCount(tx, t, current, { statusCategory: moveTo.category, assigneeId: current.assigneeId, priority: current.priority });
    await recordActivity(tx, t, {
      ...activityActor(actor),
      action: "ticket.status_changed",
      entityType: "ticket",
      entityId: current.id,
      ticketId: current.id,
      changes: { status: { from: current.status, to: moveTo.key } },
    });
  }
  if (actor.type === "customer") await trackTicketSla(tx, t, current.id, reopen ? ["status_changed", "customer_message"] : ["customer_message"]);
  else if (!internal) await trackTicketSla(tx, t, current.id, takenOn ? ["status_changed", "agent_public_reply"] : ["agent_public_reply"]);
  if (mail && actor.type !== "system")
    await queueTicketMessageEmails(tx, handle, mail, { actor, ticket: current, message: { id: message!.id, body: input.body, internal } });
  await queueWebhookEvent({ tx, handle }, "message.created", async () => ({
    ticket: await ticketEventData(tx, t, current.id),
    message: { id: message!.id, authorType: actor.type, internal, body: input.body, createdAt: message!.createdAt.toISOString() },
  }));
  return { message: message!, ticketId: current.id, statusChange: moveTo ? { from: current.status, to: moveTo.key } : null };
}

export type BulkChange = { assigneeId: number | null } | { status: string } | { priority: TicketPriority } | { addTag: string };

/**
 * One change to many tickets in one transaction: all of them or none. Missing numbers are a 404;
 * adding a tag to tickets that already have the most they may have is refused, naming them.
 */
export async function bulkUpdateTickets(handle: TenantHandle, actor: Actor, numbers: number[], change: BulkChange, mail?: MailContext): Promise<number> {
  const { t } = handle;
  const unique = [...new Set(numbers)].sort((a, b) => a - b);
  return countersChanged(handle, async (tx) => {
    const found = await tx
      .select({ number: t.tickets.number, tags: t.tickets.tags })
      .from(t.tickets)
      .where(inArray(t.tickets.number, unique))
      .orderBy(t.tickets.number)
      .for("update");
    if (found.length !== unique.length) throw notFound("One of the selected tickets");
    if ("addTag" in change) {
      const full = found.filter((ticket) => !ticket.tags.includes(change.addTag) && ticket.tags.length >= MAX_TAGS_PER_TICKET).map((ticket) => ticket.number);
      if (full.length > 0) {
        const which = full.length === 1 ? `Ticket #${full[0]} already has` : `Tickets ${full.map((number) => `#${number}`).join(", ")} already have`;
        throw new AppError(
          "too_many_tags",
          `${which} ${MAX_TAGS_PER_TICKET} tags, the most a ticket can have. Remove a tag from them or leave them out, then try again.`,
          { numbers: full },
        );
      }
    }
    for (const ticket of found) {
      const changes: TicketChanges =
        "addTag" in change ? { tags: ticket.tags.includes(change.addTag) ? ticket.tags : [...ticket.tags, change.addTag] } : change;
      // Each ticket's change is its own originating change for triggers.
      await updateTicketInTransaction(tx, handle, actor, ticket.number, changes, undefined, newTriggerRun(mail));
    }
    return found.length;
  });
}

/** A ticket has at most MAX_TAGS_PER_TICKET tags; one that has more from before the rule may keep them but not gain any. */
function assertTagCount(next: string[], current: string[]): void {
  if (next.length > MAX_TAGS_PER_TICKET && next.length > current.length) {
    throw fieldError("tags", `A ticket can have at most ${MAX_TAGS_PER_TICKET} tags.`, "too_many_tags");
  }
}

type LockedTicket = TicketProperties & { id: number; customerId: number; channel: TicketChannel; firstResponseAt: Date | null };

async function lockTicket(tx: TenantTransaction, t: TenantTables, number: number): Promise<LockedTicket> {
  const [ticket] = await tx
    .select({ ...ticketPropertyColumns(t), customerId: t.tickets.customerId, channel: t.tickets.channel, firstResponseAt: t.tickets.firstResponseAt })
    .from(t.tickets)
    .where(eq(t.tickets.number, number))
    .for("update");
  if (!ticket) throw notFound(`Ticket #${number}`);
  return ticket;
}

async function assertAssignable(tx: TenantTransaction, t: TenantTables, userId: number): Promise<void> {
  const [user] = await tx
    .select({ id: t.users.id })
    .from(t.users)
    .where(and(eq(t.users.id, userId), eq(t.users.active, true)));
  if (!user) throw fieldError("assigneeId", "Choose an active member of this workspace as assignee.");
}

/** The columns of TicketProperties, plus the id. */
export function ticketPropertyColumns(t: TenantTables) {
  const { id, number, version, subject, statusKey, statusCategory, priority, assigneeId, tags } = t.tickets;
  return { id, number, version, subject, status: statusKey, statusCategory, priority, assigneeId, tags };
}

/** Runs a command's transaction; afterwards this process's cached counters are stale, committed or not. */
function countersChanged<T>(handle: TenantHandle, work: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  return handle.transaction(work).finally(() => forgetTicketCounters(handle.tenant.schemaName));
}

const isSolved = (category: StatusCategory) => category === "solved" || category === "closed";

/** A category's built-in status: it exists and is active in every workspace (ticket-statuses.server.ts keeps it so). */
const resolveBuiltIn = (tx: TenantTransaction, t: TenantTables, category: StatusCategory) => resolveStatusForChange(tx, t, builtInStatusKey(category));

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
