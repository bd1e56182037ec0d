import * as z from "zod";
import { isValidTimeZone, parseClockTime, parseLocalDate, type IsoWeekday } from "./business-time";

/** A business-hours schedule as an admin submits it (`/settings/business-hours`); shared by the form and the server. */

export const MAX_PERIODS_PER_WEEKDAY = 10;
export const MAX_HOLIDAYS = 366;
export const MAX_SCHEDULE_NAME_LENGTH = 80;
export const MAX_HOLIDAY_NAME_LENGTH = 80;

export const WEEKDAY_NAMES: Record<IsoWeekday, string> = {
  1: "Monday",
  2: "Tuesday",
  3: "Wednesday",
  4: "Thursday",
  5: "Friday",
  6: "Saturday",
  7: "Sunday",
};

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

const startTimeSchema = z
  .string({ error: "Enter a start time such as 09:00." })
  .trim()
  .refine((value) => {
    const minutes = parseClockTime(value);
    return minutes !== null && minutes < MINUTES_PER_DAY;
  }, "Enter a start time as HH:MM, from 00:00 to 23:59.");

const endTimeSchema = z
  .string({ error: "Enter an end time such as 17:00." })
  .trim()
  .refine((value) => parseClockTime(value) !== null, "Enter an end time as HH:MM, from 00:00 to 24:00.");

const periodSchema = z
  .object({
    weekday: z
      .number({ error: "Choose a day of the week." })
      .int()
      .min(1, "Choose a day of the week.")
      .max(7, "Choose a day of the week.")
      .transform((value) => value as IsoWeekday),
    start: startTimeSchema,
    end: endTimeSchema,
  })
  // Equal times would mean 24 hours from the start; a whole day reads better as 00:00–24:00.
  .refine((period) => period.start !== period.end, {
    path: ["end"],
    message: "A period must end at another time than it starts; for a whole day use 00:00–24:00.",
  });

const holidaySchema = z.object({
  date: z
    .string({ error: "Enter the holiday's date." })
    .trim()
    .refine((value) => parseLocalDate(value) !== null, "Enter a real date as YYYY-MM-DD, such as 2026-12-25."),
  name: z
    .string({ error: "Name the holiday." })
    .trim()
    .min(1, "Name the holiday.")
    .max(MAX_HOLIDAY_NAME_LENGTH, `Keep a holiday's name under ${MAX_HOLIDAY_NAME_LENGTH} characters.`),
});

export const businessHoursSchema = z.object({
  name: z
    .string({ error: "Name the schedule." })
    .trim()
    .min(1, "Name the schedule.")
    .max(MAX_SCHEDULE_NAME_LENGTH, `Keep the name under ${MAX_SCHEDULE_NAME_LENGTH} characters.`),
  timeZone: z
    .string({ error: "Choose a time zone." })
    .trim()
    .refine(isValidTimeZone, "Choose a time zone from the list, such as Europe/Berlin.")
    // The zone as the runtime spells it ("europe/berlin" → "Europe/Berlin"), so equal zones compare equal.
    .transform((timeZone) => new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone),
  periods: z
    .array(periodSchema)
    .max(7 * MAX_PERIODS_PER_WEEKDAY, `At most ${MAX_PERIODS_PER_WEEKDAY} periods per day.`)
    .default([])
    // Without opening hours a business-hours clock never moves: targets measured in it would never fall due.
    .refine((periods) => periods.length > 0, "Add at least one opening period.")
    .superRefine((periods, ctx) => {
      const perWeekday = new Map<number, number>();
      periods.forEach((period, index) => {
        const count = (perWeekday.get(period.weekday) ?? 0) + 1;
        perWeekday.set(period.weekday, count);
        if (count === MAX_PERIODS_PER_WEEKDAY + 1) {
          ctx.addIssue({ code: "custom", path: [index], message: `At most ${MAX_PERIODS_PER_WEEKDAY} periods on ${WEEKDAY_NAMES[period.weekday]}.` });
        }
      });
      for (const { index, other } of overlappingPeriods(periods)) {
        ctx.addIssue({ code: "custom", path: [index], message: `${describePeriod(periods[index]!)} overlaps ${describePeriod(periods[other]!)}.` });
      }
    }),
  holidays: z
    .array(holidaySchema)
    .max(MAX_HOLIDAYS, `At most ${MAX_HOLIDAYS} holidays.`)
    .default([])
    .superRefine((holidays, ctx) => {
      const seen = new Map<string, number>();
      holidays.forEach((holiday, index) => {
        const first = seen.get(holiday.date);
        if (first === undefined) seen.set(holiday.date, index);
        else ctx.addIssue({ code: "custom", path: [index, "date"], message: `${holiday.date} is already listed as ${holidays[first]!.name}.` });
      });
    }),
});

interface PeriodTimes {
  weekday: IsoWeekday;
  start: string;
  end: string;
}

/** "Monday 08:00–12:00" */
export function describePeriod(period: PeriodTimes): string {
  return `${WEEKDAY_NAMES[period.weekday]} ${period.start}–${period.end}`;
}

/**
 * Each period that overlaps an earlier-listed one, with that one's index. Periods past midnight count
 * on the next day too (Monday 22:00–02:00 overlaps Tuesday 01:00–05:00), Sunday's into Monday's.
 */
export function overlappingPeriods(periods: readonly PeriodTimes[]): Array<{ index: number; other: number }> {
  const spans = periods.map((period) => weekSpans(period));
  const overlaps: Array<{ index: number; other: number }> = [];
  spans.forEach((span, index) => {
    if (!span) return;
    const other = spans.findIndex((earlier, earlierIndex) => earlierIndex < index && earlier && spansOverlap(earlier, span));
    if (other >= 0) overlaps.push({ index, other });
  });
  return overlaps;
}

/** The period as [start, end) minute ranges within the week, split where it wraps from Sunday into Monday. */
function weekSpans(period: PeriodTimes): Array<[number, number]> | null {
  const start = parseClockTime(period.start);
  const end = parseClockTime(period.end);
  if (start === null || end === null) return null;
  const weekStart = (period.weekday - 1) * MINUTES_PER_DAY + start;
  const weekEnd = (period.weekday - 1) * MINUTES_PER_DAY + (end > start ? end : end + MINUTES_PER_DAY);
  if (weekEnd <= MINUTES_PER_WEEK) return [[weekStart, weekEnd]];
  return [
    [weekStart, MINUTES_PER_WEEK],
    [0, weekEnd - MINUTES_PER_WEEK],
  ];
}

function spansOverlap(a: Array<[number, number]>, b: Array<[number, number]>): boolean {
  return a.some(([aStart, aEnd]) => b.some(([bStart, bEnd]) => aStart < bEnd && bStart < aEnd));
}
