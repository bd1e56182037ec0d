import type { TicketChannel, TicketPriority } from "../../db/tenant-enums";
import type { SlaTargets } from "./sla-clock";

/**
 * Which SLA policy applies to a ticket: the first active one, in the admin's order, whose every
 * condition holds. A condition lists values and holds when the ticket has any of them (for tags:
 * any of its tags); an empty or absent list holds for every ticket. Pure; safe in the browser.
 */

export type SlaPolicyConditions = {
  priorities?: readonly TicketPriority[];
  channels?: readonly TicketChannel[];
  tags?: readonly string[];
  /** Exact domains of the customer's email address (a subdomain is another domain). */
  customerDomains?: readonly string[];
  /** Portal request categories, compared without regard to case. */
  categories?: readonly string[];
};

export type MatchablePolicy = {
  active: boolean;
  conditions: SlaPolicyConditions;
  targets: Partial<Record<TicketPriority, SlaTargets>>;
};

export type TicketFacts = {
  priority: TicketPriority;
  channel: TicketChannel;
  tags: readonly string[];
  customerEmail: string | null;
  category: string | null;
};

const anyOf = <T>(wanted: readonly T[] | undefined, holds: (value: T) => boolean) => !wanted?.length || wanted.some(holds);

const emailDomain = (email: string | null) => {
  const at = email?.lastIndexOf("@") ?? -1;
  return at < 0 ? null : email!.slice(at + 1).toLowerCase();
};

export function policyMatches(conditions: SlaPolicyConditions, ticket: TicketFacts): boolean {
  const domain = emailDomain(ticket.customerEmail);
  const category = ticket.category?.trim().toLowerCase() ?? null;
  const tags = new Set(ticket.tags.map((tag) => tag.toLowerCase()));
  return (
    anyOf(conditions.priorities, (priority) => priority === ticket.priority) &&
    anyOf(conditions.channels, (channel) => channel === ticket.channel) &&
    anyOf(conditions.tags, (tag) => tags.has(tag.toLowerCase())) &&
    anyOf(conditions.customerDomains, (wanted) => wanted.toLowerCase() === domain) &&
    anyOf(conditions.categories, (wanted) => wanted.trim().toLowerCase() === category)
  );
}

/** The first active policy, in order, that matches the ticket; null when none does. */
export function matchingPolicy<P extends MatchablePolicy>(policies: readonly P[], ticket: TicketFacts): P | null {
  return policies.find((policy) => policy.active && policyMatches(policy.conditions, ticket)) ?? null;
}

/** The policy's targets for a priority; a metric without a target is absent. */
export function targetsFor(policy: Pick<MatchablePolicy, "targets">, priority: TicketPriority): SlaTargets {
  const metrics = policy.targets[priority] ?? {};
  const targets: SlaTargets = {};
  if (metrics.firstReply !== undefined) targets.firstReply = metrics.firstReply;
  if (metrics.nextReply !== undefined) targets.nextReply = metrics.nextReply;
  if (metrics.resolution !== undefined) targets.resolution = metrics.resolution;
  return targets;
}
