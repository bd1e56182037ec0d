import { and, asc, eq, sql } from "drizzle-orm";
import type { TenantTables } from "../../db/tenant-tables";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { AppError } from "../app-error";
import type { MailContext } from "../email/notifications.server";
import { queueEmail } from "../email/outbox.server";
import { renderEmail } from "../email/render-email.server";
import { firstName, renderPlaceholders, type PlaceholderValues } from "../macros/macro-placeholders";
import { businessClock, calendarClock, isOpen, type BusinessClock, type BusinessPeriod } from "../service-levels/business-time";
import { PRIORITY_LABELS } from "../tickets/ticket-labels";
import { ticketEventData } from "../webhooks/webhook-payloads.server";
import {
  MAX_TRIGGER_DEPTH,
  needsBusinessHours,
  propertyChanges,
  triggerMatches,
  type PropertyChanges,
  type TriggerChanges,
  type TriggerTicket,
} from "./trigger-rules";
import { readActions, readConditions, type TriggerAction, type TriggerCondition, type TriggerEvent } from "./trigger-schema";
import { queueTriggerWebhook } from "./trigger-webhook.server";

/**
 * Runs the workspace's triggers for one event on one ticket, inside the transaction of the change
 * that fired them. A trigger's property changes go through the ticket commands' own in-transaction
 * update (passed in as `ops`, since the commands call this module), so counters, SLA clocks,
 * activity and webhooks follow; those changes then fire `ticket_updated` triggers one level deeper.
 * Each trigger fires at most once per ticket per originating change, and a chain deeper than
 * MAX_TRIGGER_DEPTH is cut, with an activity entry that says so.
 */

/** Who a trigger's changes are done by, in the activity log: Conductor, labelled with the trigger's name. */
export type AutomatedActor = { type: "system"; label: string };

export type TriggerOps = {
  /** The ticket update, inside the transaction, without running triggers itself; returns what changed. */
  applyChanges(actor: AutomatedActor, number: number, changes: PropertyChanges): Promise<TriggerChanges>;
  /** An internal note written by the trigger. */
  addNote(actor: AutomatedActor, number: number, body: string): Promise<void>;
};

/** One originating change (a command on one ticket) and everything its triggers do. */
export type TriggerRun = {
  /** Trigger ids that fired. */
  fired: Set<number>;
  /** Trigger ids whose repeat was refused and logged. */
  loopsLogged: Set<number>;
  /** Without it (imports, automated inbound mail) triggers send no email. */
  mail: MailContext | undefined;
  /** Whether a trigger changed the ticket's properties. */
  changed: boolean;
};

export const newTriggerRun = (mail: MailContext | undefined): TriggerRun => ({ fired: new Set(), loopsLogged: new Set(), mail, changed: false });

type Fired = {
  event: TriggerEvent;
  ticketId: number;
  changes: TriggerChanges;
  messageBody: string | null;
  depth: number;
  /** The ticket as the change left it, when the caller has it (saves a query); its customer's email is read only if needed. */
  ticket?: Omit<TriggerTicket, "customerEmail"> & { customerEmail?: string };
  /** The trigger whose change fired this level (for the log when the chain is cut). */
  cause?: string;
};

type Handle = Pick<TenantHandle, "t" | "tenant">;

const activityActor = (label: string) => ({ actorType: "system" as const, actorUserId: null, actorCustomerId: null, actorLabel: label });

export async function runTriggers(tx: TenantTransaction, handle: Handle, ops: TriggerOps, run: TriggerRun, fired: Fired): Promise<void> {
  const { t } = handle;
  const rules = await tx
    .select({
      id: t.triggers.id,
      name: t.triggers.name,
      match: t.triggers.match,
      conditions: t.triggers.conditions,
      actions: t.triggers.actions,
    })
    .from(t.triggers)
    .where(and(eq(t.triggers.active, true), sql`${fired.event} = any(${t.triggers.events})`))
    .orderBy(asc(t.triggers.position), asc(t.triggers.id));
  if (rules.length === 0) return;
  if (fired.depth > MAX_TRIGGER_DEPTH) {
    await recordActivity(tx, t, {
      ...activityActor(fired.cause ?? "Triggers"),
      action: "trigger.chain_cut",
      entityType: "ticket",
      entityId: fired.ticketId,
      ticketId: fired.ticketId,
      changes: { chain: { from: null, to: { depth: fired.depth, limit: MAX_TRIGGER_DEPTH } } },
    });
    return;
  }

  const parsed = rules.map((rule) => ({ rule, ...parsedRule(rule) }));
  let ticket: TriggerTicket;
  /** Whether `ticket` holds the customer's email; a trigger that fires always gets it. */
  let complete = true;
  if (fired.ticket?.customerEmail !== undefined) ticket = { ...fired.ticket, customerEmail: fired.ticket.customerEmail };
  else if (fired.ticket && !parsed.some((entry) => entry.readsCustomer)) {
    ticket = { ...fired.ticket, customerEmail: "" };
    complete = false;
  } else ticket = await loadTicket(tx, t, fired.ticketId);
  let clock: BusinessClock | undefined;
  const withinBusinessHours = () => isOpen(clock ?? calendarClock(), new Date());
  for (const { rule, conditions, actions } of parsed) {
    if (!clock && needsBusinessHours(conditions)) clock = await defaultClock(tx, t);
    const matches = triggerMatches({ match: rule.match, conditions }, { ...fired, ticket, withinBusinessHours });
    if (!matches) continue;
    const label = `Trigger: ${rule.name}`;
    if (run.fired.has(rule.id)) {
      // It matches again and would change the ticket again: a loop, which stops here.
      if (Object.keys(propertyChanges(actions, ticket)).length > 0 && !run.loopsLogged.has(rule.id)) {
        run.loopsLogged.add(rule.id);
        await recordActivity(tx, t, {
          ...activityActor(label),
          action: "trigger.loop_stopped",
          entityType: "ticket",
          entityId: ticket.id,
          ticketId: ticket.id,
          changes: { trigger: { from: null, to: { id: rule.id, name: rule.name, depth: fired.depth } } },
        });
      }
      continue;
    }
    run.fired.add(rule.id);
    if (!complete) {
      ticket = await loadTicket(tx, t, fired.ticketId);
      complete = true;
    }
    const actor: AutomatedActor = { type: "system", label };
    const done: string[] = [];
    let diff: TriggerChanges = {};
    try {
      const changes = propertyChanges(actions, ticket);
      if (Object.keys(changes).length > 0) {
        diff = await ops.applyChanges(actor, ticket.number, changes);
        done.push(...Object.keys(diff).map((field) => `changed ${field === "assigneeId" ? "assignee" : field}`));
        // Notes and emails speak of the ticket as the trigger left it.
        ticket = await loadTicket(tx, t, fired.ticketId);
      }
      for (const action of actions) {
        if (action === null) done.push("skipped an action that is no longer valid");
        else await applyOtherAction(tx, handle, ops, run, actor, rule.name, ticket, action, done);
      }
    } catch (error) {
      if (!AppError.is(error)) throw error;
      throw new AppError("conflict", `The trigger “${rule.name}” could not run: ${error.message} Nothing was saved. Change or turn off the trigger.`, {
        trigger: rule.id,
      });
    }
    // After its changes' own entries, so the newest-first log reads "Trigger: X ran …" above what it did.
    await recordActivity(tx, t, {
      ...activityActor(label),
      action: "trigger.fired",
      entityType: "ticket",
      entityId: ticket.id,
      ticketId: ticket.id,
      changes: { trigger: { from: null, to: { id: rule.id, name: rule.name, event: fired.event, depth: fired.depth, actions: done } } },
    });

    if (Object.keys(diff).length > 0) {
      run.changed = true;
      await runTriggers(tx, handle, ops, run, {
        event: "ticket_updated",
        ticketId: ticket.id,
        changes: diff,
        messageBody: null,
        depth: fired.depth + 1,
        cause: label,
        ticket,
      });
    }
    ticket = await loadTicket(tx, t, fired.ticketId);
  }
}

type ParsedRule = { conditions: Array<TriggerCondition | null>; actions: Array<TriggerAction | null>; readsCustomer: boolean };
/** Stored rows validated once per content, not on every ticket change (the content is the key, so an edit is never missed). */
const parsedRules = new Map<string, ParsedRule>();
const PARSED_RULES_LIMIT = 5000;

function parsedRule(rule: { conditions: unknown; actions: unknown }): ParsedRule {
  const key = `${JSON.stringify(rule.conditions)}\n${JSON.stringify(rule.actions)}`;
  let parsed = parsedRules.get(key);
  if (!parsed) {
    if (parsedRules.size >= PARSED_RULES_LIMIT) parsedRules.clear();
    const conditions = readConditions(rule.conditions);
    parsed = {
      conditions,
      actions: readActions(rule.actions),
      readsCustomer: conditions.some((condition) => condition?.field === "customer_email" || condition?.field === "customer_domain"),
    };
    parsedRules.set(key, parsed);
  }
  return parsed;
}

async function applyOtherAction(
  tx: TenantTransaction,
  handle: Handle,
  ops: TriggerOps,
  run: TriggerRun,
  actor: AutomatedActor,
  triggerName: string,
  ticket: TriggerTicket,
  action: TriggerAction,
  done: string[],
): Promise<void> {
  const { t } = handle;
  switch (action.type) {
    case "add_note": {
      const values = await placeholderValues(tx, handle, ticket);
      await ops.addNote(actor, ticket.number, renderPlaceholders(action.body, values));
      done.push("added an internal note");
      return;
    }
    case "email_customer":
    case "email_assignee":
    case "email_address": {
      const who = action.type === "email_customer" ? "the customer" : action.type === "email_assignee" ? "the assignee" : action.address;
      // Never in answer to automated mail, imports or seeds: only a change made with a mail context sends.
      if (!run.mail) {
        done.push(`did not email ${who} (no email is sent for automated messages and imports)`);
        return;
      }
      const recipient = await emailRecipient(tx, t, ticket, action);
      if (!recipient) {
        done.push(`did not email ${who} (nobody to send to)`);
        return;
      }
      const values = await placeholderValues(tx, handle, ticket);
      const paragraphs = renderPlaceholders(action.body, values)
        .split(/\n\s*\n/)
        .map((paragraph) => paragraph.trim())
        .filter(Boolean);
      const origin = run.mail.origin;
      const rendered = renderEmail({
        workspace: handle.tenant.name,
        greeting: paragraphs[0] ?? "",
        paragraphs: paragraphs.slice(1),
        action:
          action.type === "email_customer"
            ? { label: "View your request", href: `${origin}/portal/tickets/${ticket.number}` }
            : { label: `Open ticket #${ticket.number}`, href: `${origin}/tickets/${ticket.number}` },
      });
      await queueEmail(
        tx,
        handle,
        {
          kind: action.type === "email_customer" ? "trigger_customer_email" : "trigger_notice",
          to: recipient,
          subject: renderPlaceholders(action.subject, values),
          ...rendered,
          ticketId: action.type === "email_customer" ? ticket.id : null,
        },
        new URL(origin).hostname,
      );
      done.push(`emailed ${who}`);
      return;
    }
    case "call_webhook": {
      const queued = await queueTriggerWebhook(tx, handle, action.webhookId, triggerName, async () => ({
        trigger: { name: triggerName },
        ...(await ticketEventData(tx, t, ticket.id)),
      }));
      done.push(queued ? "called a webhook" : "did not call its webhook (deleted or switched off)");
      return;
    }
    default:
      // Property actions were applied together, before the others.
      return;
  }
}

async function emailRecipient(
  tx: TenantTransaction,
  t: TenantTables,
  ticket: TriggerTicket,
  action: Extract<TriggerAction, { type: "email_customer" | "email_assignee" | "email_address" }>,
): Promise<{ address: string; name: string | null } | null> {
  if (action.type === "email_address") return { address: action.address, name: null };
  if (action.type === "email_customer") {
    const [customer] = await tx
      .select({ name: t.customers.name, address: t.customers.email })
      .from(t.customers)
      .innerJoin(t.tickets, eq(t.tickets.customerId, t.customers.id))
      .where(eq(t.tickets.id, ticket.id));
    return customer ?? null;
  }
  if (ticket.assigneeId === null) return null;
  const [assignee] = await tx
    .select({ name: t.users.name, address: t.users.email })
    .from(t.users)
    .where(and(eq(t.users.id, ticket.assigneeId), eq(t.users.active, true)));
  return assignee ?? null;
}

/** The macros' placeholders; for a trigger, "agent" is the ticket's assignee (the workspace when nobody is). */
async function placeholderValues(tx: TenantTransaction, handle: Handle, ticket: TriggerTicket): Promise<PlaceholderValues> {
  const { t } = handle;
  const [row] = await tx
    .select({ customerName: t.customers.name, statusLabel: t.ticketStatuses.agentLabel, assigneeName: t.users.name })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .leftJoin(t.ticketStatuses, eq(t.ticketStatuses.key, t.tickets.statusKey))
    .leftJoin(t.users, eq(t.users.id, t.tickets.assigneeId))
    .where(eq(t.tickets.id, ticket.id));
  const agentName = row?.assigneeName ?? handle.tenant.name;
  const customerName = row?.customerName ?? "";
  return {
    "ticket.number": String(ticket.number),
    "ticket.subject": ticket.subject,
    "ticket.status": row?.statusLabel ?? ticket.status,
    "ticket.priority": PRIORITY_LABELS[ticket.priority],
    "customer.name": customerName,
    "customer.first_name": firstName(customerName),
    "customer.email": ticket.customerEmail,
    "agent.name": agentName,
    "agent.first_name": firstName(agentName),
    "workspace.name": handle.tenant.name,
  };
}

async function loadTicket(tx: TenantTransaction, t: TenantTables, ticketId: number): Promise<TriggerTicket> {
  const [row] = await tx
    .select({
      id: t.tickets.id,
      number: t.tickets.number,
      subject: t.tickets.subject,
      status: t.tickets.statusKey,
      statusCategory: t.tickets.statusCategory,
      priority: t.tickets.priority,
      channel: t.tickets.channel,
      tags: t.tickets.tags,
      assigneeId: t.tickets.assigneeId,
      customerEmail: t.customers.email,
    })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .where(eq(t.tickets.id, ticketId));
  return row!;
}

/** The default business-hours schedule's clock; without one (or with a broken one), calendar hours. */
async function defaultClock(tx: TenantTransaction, t: TenantTables): Promise<BusinessClock> {
  const [schedule] = await tx
    .select({ timeZone: t.businessSchedules.timeZone, periods: t.businessSchedules.periods, holidays: t.businessSchedules.holidays })
    .from(t.businessSchedules)
    .where(eq(t.businessSchedules.isDefault, true));
  if (!schedule) return calendarClock();
  try {
    return businessClock({ timeZone: schedule.timeZone, periods: schedule.periods as BusinessPeriod[], holidays: schedule.holidays });
  } catch {
    return calendarClock();
  }
}
