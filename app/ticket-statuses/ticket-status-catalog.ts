import { STATUS_CATEGORIES, type StatusCategory } from "../../db/tenant-enums";

/**
 * A workspace's statuses as screens and rules read them. Pure (no I/O), so browser code can use it.
 * A key a catalog does not know (a status deleted since an activity entry named it) reads as itself.
 */

export type TicketStatusRecord = {
  key: string;
  category: StatusCategory;
  agentLabel: string;
  customerLabel: string;
  position: number;
  active: boolean;
  builtIn: boolean;
};

export const CATEGORY_LABELS: Record<StatusCategory, string> = {
  new: "New",
  open: "Open",
  pending: "Pending",
  on_hold: "On hold",
  solved: "Solved",
  closed: "Closed",
};

/** The built-in status of each category has the category's name as its key. */
export const builtInStatusKey = (category: StatusCategory): string => category;

/** Category order first (new … closed), then the admins' order within each category. */
export function sortStatuses<T extends Pick<TicketStatusRecord, "category" | "position" | "key">>(statuses: T[]): T[] {
  const rank = (category: StatusCategory) => STATUS_CATEGORIES.indexOf(category);
  return [...statuses].sort((a, b) => rank(a.category) - rank(b.category) || a.position - b.position || a.key.localeCompare(b.key));
}

export function statusByKey(statuses: readonly TicketStatusRecord[], key: string): TicketStatusRecord | undefined {
  return statuses.find((status) => status.key === key);
}

export function agentStatusLabel(statuses: readonly TicketStatusRecord[], key: string): string {
  return statusByKey(statuses, key)?.agentLabel ?? key;
}

/**
 * What an agent may choose in a status picker, grouped by category: the active statuses, plus the
 * ticket's current one when it has been deactivated since (so the picker still shows the truth).
 */
export function statusChoices(statuses: readonly TicketStatusRecord[], currentKey?: string) {
  const choosable = statuses.filter((status) => status.active || status.key === currentKey);
  return STATUS_CATEGORIES.map((category) => ({
    category,
    label: CATEGORY_LABELS[category],
    statuses: choosable.filter((status) => status.category === category),
  })).filter((group) => group.statuses.length > 0);
}

/** The statuses an agent may choose, as grouped select options (value = key, group = category). */
export function statusOptions(statuses: readonly TicketStatusRecord[], currentKey?: string): Array<{ value: string; label: string; group: string }> {
  return statusChoices(statuses, currentKey).flatMap((group) =>
    group.statuses.map((status) => ({
      value: status.key,
      label: status.active ? status.agentLabel : `${status.agentLabel} (deactivated)`,
      group: group.label,
    })),
  );
}
