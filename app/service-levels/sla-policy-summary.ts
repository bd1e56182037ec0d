import { TICKET_PRIORITIES, type TicketPriority } from "../../db/tenant-enums";
import { CHANNEL_LABELS, PRIORITY_LABELS } from "../tickets/ticket-labels";
import type { SlaTargets } from "./sla-clock";
import type { SlaPolicyConditions } from "./sla-policy-match";
import { formatDuration } from "./sla-policy-schema";

/** How the policy list describes a policy in words; browser-safe. */

/** Most urgent first, as the form's targets table lists them. */
export const PRIORITIES_BY_URGENCY: TicketPriority[] = [...TICKET_PRIORITIES].reverse();

/** "Priority: Urgent, High · Channel: Email", or "Every ticket" when nothing narrows it. */
export function conditionsSummary(conditions: SlaPolicyConditions): string {
  const parts = [
    ["Priority", PRIORITIES_BY_URGENCY.filter((priority) => conditions.priorities?.includes(priority)).map((priority) => PRIORITY_LABELS[priority])],
    ["Channel", (conditions.channels ?? []).map((channel) => CHANNEL_LABELS[channel])],
    ["Tag", conditions.tags ?? []],
    ["Customer domain", conditions.customerDomains ?? []],
    ["Category", conditions.categories ?? []],
  ] as const;
  const described = parts.filter(([, values]) => values.length).map(([label, values]) => `${label}: ${values.join(", ")}`);
  return described.length ? described.join(" · ") : "Every ticket";
}

export function clockSummary(scheduleName: string | null): string {
  return scheduleName === null ? "Calendar hours" : `Business hours: ${scheduleName}`;
}

/** "Urgent 1h, High 4h" for one metric across priorities; null when no priority has that target. */
export function metricSummary(targets: Partial<Record<TicketPriority, SlaTargets>>, metric: keyof SlaTargets): string | null {
  const listed = PRIORITIES_BY_URGENCY.flatMap((priority) => {
    const minutes = targets[priority]?.[metric];
    return minutes === undefined ? [] : [`${PRIORITY_LABELS[priority]} ${formatDuration(minutes)}`];
  });
  return listed.length ? listed.join(", ") : null;
}
