import type { BusinessPeriod, IsoWeekday } from "./business-time";

const SHORT_WEEKDAYS: Record<IsoWeekday, string> = { 1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun" };
const WEEKDAYS: IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];

/**
 * A week's periods in one line, consecutive days with the same hours merged:
 * "Mon–Fri 08:00–12:00, 13:00–17:30; Sat 10:00–14:00". Closed days are left out.
 */
export function weeklySummary(periods: readonly BusinessPeriod[]): string {
  const hoursOf = (weekday: IsoWeekday) =>
    periods
      .filter((period) => period.weekday === weekday)
      .sort((a, b) => a.start.localeCompare(b.start))
      .map((period) => `${period.start}–${period.end}`)
      .join(", ");
  const runs: Array<{ first: IsoWeekday; last: IsoWeekday; hours: string }> = [];
  for (const weekday of WEEKDAYS) {
    const hours = hoursOf(weekday);
    const previous = runs.at(-1);
    if (previous && previous.hours === hours && previous.last === weekday - 1) previous.last = weekday;
    else runs.push({ first: weekday, last: weekday, hours });
  }
  const open = runs.filter((run) => run.hours !== "");
  if (open.length === 0) return "No open hours";
  return open
    .map(({ first, last, hours }) => `${first === last ? SHORT_WEEKDAYS[first] : `${SHORT_WEEKDAYS[first]}–${SHORT_WEEKDAYS[last]}`} ${hours}`)
    .join("; ");
}
