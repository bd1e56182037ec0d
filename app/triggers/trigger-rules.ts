import type { StatusCategory, TicketChannel, TicketPriority } from "../../db/tenant-enums";
import type { TriggerAction, TriggerCondition, TriggerEvent } from "./trigger-schema";

/**
 * The trigger engine's pure half: whether a trigger's conditions hold for a ticket and the change
 * that fired it, and what its property actions would change. No I/O; run-triggers.server.ts does the rest.
 */

export type TriggerTicket = {
  id: number;
  number: number;
  subject: string;
  status: string;
  statusCategory: StatusCategory;
  priority: TicketPriority;
  channel: TicketChannel;
  tags: string[];
  assigneeId: number | null;
  customerEmail: string;
};

/** A field's change in the command (or trigger) that fired: `from` is null when the ticket was just created. */
export type FieldChange = { from: unknown; to: unknown };
export type TriggerChanges = Partial<Record<"subject" | "status" | "priority" | "assigneeId" | "tags", FieldChange>>;

export type TriggerFacts = {
  event: TriggerEvent;
  ticket: TriggerTicket;
  changes: TriggerChanges;
  /** The message that fired (a reply, or a new ticket's first message); null for property changes. */
  messageBody: string | null;
  /** Whether the default business-hours schedule is open now; asked only by conditions that need it. */
  withinBusinessHours: () => boolean;
};

export type TriggerRule = { match: "all" | "any"; conditions: Array<TriggerCondition | null> };

/** "all": every condition holds; "any": at least one does. No conditions: always. A stored row that no longer parses (null) never holds. */
export function triggerMatches(rule: TriggerRule, facts: TriggerFacts): boolean {
  if (rule.conditions.length === 0) return true;
  const holds = (condition: TriggerCondition | null) => condition !== null && conditionHolds(condition, facts);
  return rule.match === "all" ? rule.conditions.every(holds) : rule.conditions.some(holds);
}

const includesText = (haystack: string, needle: string) => haystack.toLocaleLowerCase("en").includes(needle.toLocaleLowerCase("en"));
const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

export function conditionHolds(condition: TriggerCondition, facts: TriggerFacts): boolean {
  const { ticket, changes } = facts;
  const value = condition.value;
  const changedTo = (field: keyof TriggerChanges) => changes[field] !== undefined && changes[field].to === value;
  // Creation is a change from nothing, so "changed from" never holds for it.
  const changedFrom = (field: keyof TriggerChanges) => changes[field] !== undefined && changes[field].from !== null && changes[field].from === value;
  switch (condition.field) {
    case "status":
      if (condition.operator === "is") return ticket.status === value;
      if (condition.operator === "is_not") return ticket.status !== value;
      return condition.operator === "changed_to" ? changedTo("status") : changedFrom("status");
    case "status_category":
      return condition.operator === "is" ? ticket.statusCategory === value : ticket.statusCategory !== value;
    case "priority":
      if (condition.operator === "is") return ticket.priority === value;
      if (condition.operator === "is_not") return ticket.priority !== value;
      return condition.operator === "changed_to" ? changedTo("priority") : changedFrom("priority");
    case "channel":
      return condition.operator === "is" ? ticket.channel === value : ticket.channel !== value;
    case "tags":
      return condition.operator === "contains" ? ticket.tags.includes(String(value)) : !ticket.tags.includes(String(value));
    case "subject":
      return condition.operator === "contains" ? includesText(ticket.subject, String(value)) : !includesText(ticket.subject, String(value));
    case "message_body": {
      const contains = facts.messageBody !== null && includesText(facts.messageBody, String(value));
      return condition.operator === "contains" ? contains : !contains;
    }
    case "customer_email":
      return (ticket.customerEmail.toLowerCase() === String(value)) === (condition.operator === "is");
    case "customer_domain":
      return (domainOf(ticket.customerEmail) === String(value)) === (condition.operator === "is");
    case "assignee":
      if (condition.operator === "none") return ticket.assigneeId === null;
      if (condition.operator === "changed") return changes.assigneeId !== undefined;
      return (ticket.assigneeId === value) === (condition.operator === "is");
    case "business_hours":
      return facts.withinBusinessHours() === (condition.operator === "within");
  }
}

/** Whether any condition reads business hours (so the runner loads the schedule only then). */
export const needsBusinessHours = (conditions: Array<TriggerCondition | null>) => conditions.some((condition) => condition?.field === "business_hours");

export type PropertyChanges = { status?: string; priority?: TicketPriority; assigneeId?: number | null; tags?: string[] };

/**
 * The ticket's properties after the actions, only those that differ from now. Actions apply in
 * order (a later one wins); tags are removed and added keeping the ticket's order.
 */
export function propertyChanges(
  actions: Array<TriggerAction | null>,
  ticket: Pick<TriggerTicket, "status" | "priority" | "assigneeId" | "tags">,
): PropertyChanges {
  let { status, priority, assigneeId, tags } = ticket;
  for (const action of actions) {
    if (action === null) continue;
    if (action.type === "set_status") status = action.status;
    else if (action.type === "set_priority") priority = action.priority;
    else if (action.type === "assign") assigneeId = action.assigneeId;
    else if (action.type === "add_tags") tags = [...tags, ...action.tags.filter((tag) => !tags.includes(tag))];
    else if (action.type === "remove_tags") tags = tags.filter((tag) => !action.tags.includes(tag));
  }
  const changes: PropertyChanges = {};
  if (status !== ticket.status) changes.status = status;
  if (priority !== ticket.priority) changes.priority = priority;
  if (assigneeId !== ticket.assigneeId) changes.assigneeId = assigneeId;
  if (JSON.stringify(tags) !== JSON.stringify(ticket.tags)) changes.tags = tags;
  return changes;
}

/** How deep one change's chain of triggers may go: the triggers a change fires are at depth 1, those their changes fire at 2… */
export const MAX_TRIGGER_DEPTH = 5;
