import { tzOffset } from "@date-fns/tz";

/**
 * Business time: when a workspace is open, and how many open minutes lie between two instants.
 * Pure (no I/O), shared by SLA clocks, automations and timers; safe to import in the browser.
 *
 * All instants are UTC `Date`s and every interval is half-open, [start, end). Minutes are real
 * elapsed minutes: a local period 01:30–03:30 lasts 60 minutes on a spring-forward day and 180 on a
 * fall-back day. A local time that a DST change skips is moved forward by the gap (02:30 on the
 * spring-forward day in Berlin is 03:30 CEST); a local time that occurs twice means its first
 * occurrence (the rule Temporal calls "compatible").
 */

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * Open from `start` to `end` (local "HH:MM") on `weekday`. An `end` at or before `start` runs past
 * midnight into the next day (Fri 22:00–02:00 ends on Saturday); "24:00" is midnight at the end of the day.
 */
export interface BusinessPeriod {
  weekday: IsoWeekday;
  start: string;
  end: string;
}

/** A local date ("YYYY-MM-DD", in the schedule's zone) with no business time at all. */
export interface Holiday {
  date: string;
  name: string;
}

export interface BusinessSchedule {
  /** IANA time zone, such as "Europe/Berlin". */
  timeZone: string;
  periods: readonly BusinessPeriod[];
  holidays: readonly Holiday[];
}

export interface TimeInterval {
  start: Date;
  end: Date;
}

/** Open around the clock: "calendar hours". */
export interface CalendarClock {
  readonly kind: "calendar";
}

/** Open during a schedule's periods, except on its holidays. Build it with `businessClock`. */
export interface ScheduleClock {
  readonly kind: "business";
  readonly schedule: BusinessSchedule;
}

/** What SLA targets are measured in; every function below treats both kinds alike. */
export type BusinessClock = CalendarClock | ScheduleClock;

/**
 * How far ahead a search for open time goes before giving up: a schedule with no periods, or one
 * whose periods all fall on holidays for this long, has no business time ahead and the functions
 * that look forward return `null` instead of searching forever.
 */
export const SEARCH_HORIZON_DAYS = 3 * 366;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;
/** Enough days to cover any lookup pattern of a busy process; beyond it the cache starts over. */
const DAY_CACHE_LIMIT = 8192;

const CALENDAR_CLOCK: CalendarClock = Object.freeze({ kind: "calendar" });

interface CompiledSchedule {
  timeZone: string;
  /** Index 0 = Monday; each period as [start, end) in minutes from the local midnight of its weekday (end may exceed 1440). */
  periodsByWeekday: Array<Array<readonly [number, number]>>;
  holidayDays: Set<number>;
  /** Open spans of the periods that start on a local day, keyed by the day's number since 1970-01-01. */
  dayCache: Map<number, readonly number[]>;
}

const compiledSchedules = new WeakMap<ScheduleClock, CompiledSchedule>();

export function calendarClock(): CalendarClock {
  return CALENDAR_CLOCK;
}

/**
 * A clock for a schedule, as the schedule reads now (later edits to the object are not seen); build one
 * per schedule and reuse it, since it caches each day it has computed. Throws a `RangeError` when the
 * schedule is malformed (unknown zone, bad time or date).
 */
export function businessClock(schedule: BusinessSchedule): ScheduleClock {
  if (!isValidTimeZone(schedule.timeZone)) throw new RangeError(`Unknown time zone "${schedule.timeZone}"`);
  const periodsByWeekday: CompiledSchedule["periodsByWeekday"] = [[], [], [], [], [], [], []];
  for (const period of schedule.periods) {
    const start = parseClockTime(period.start);
    const end = parseClockTime(period.end);
    if (start === null || start === MINUTES_PER_DAY || end === null) throw new RangeError(`Invalid period ${period.start}–${period.end}`);
    if (!Number.isInteger(period.weekday) || period.weekday < 1 || period.weekday > 7) throw new RangeError(`Invalid weekday ${period.weekday}`);
    periodsByWeekday[period.weekday - 1]!.push([start, end > start ? end : end + MINUTES_PER_DAY]);
  }
  const holidayDays = new Set<number>();
  for (const holiday of schedule.holidays) {
    const day = parseLocalDate(holiday.date);
    if (day === null) throw new RangeError(`Invalid holiday date "${holiday.date}"`);
    holidayDays.add(day);
  }
  const clock: ScheduleClock = Object.freeze({ kind: "business", schedule });
  compiledSchedules.set(clock, { timeZone: schedule.timeZone, periodsByWeekday, holidayDays, dayCache: new Map() });
  return clock;
}

/** Whether the runtime knows `timeZone` as an IANA zone name (offsets such as "+01:00" are refused). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes since midnight of a local "HH:MM" (00:00–23:59, or 24:00), or null. */
export function parseClockTime(value: string): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (Number(match[2]) > 59 || minutes > MINUTES_PER_DAY) return null;
  return minutes;
}

/** Days since 1970-01-01 of a calendar date "YYYY-MM-DD", or null when there is no such date. */
export function parseLocalDate(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return ms / DAY_MS;
}

/** Whether the clock is open at `at`. */
export function isOpen(clock: BusinessClock, at: Date): boolean {
  if (clock.kind === "calendar") return true;
  const compiled = compiledOf(clock);
  const ms = at.getTime();
  const day = localDayOf(compiled.timeZone, ms);
  for (let d = day - 1; d <= day; d++) {
    const spans = daySpans(compiled, d);
    for (let i = 0; i < spans.length; i += 2) if (spans[i]! <= ms && ms < spans[i + 1]!) return true;
  }
  return false;
}

/** The first open instant at or after `at` (`at` itself when open), or null when nothing opens within the search horizon. */
export function nextOpening(clock: BusinessClock, at: Date): Date | null {
  if (clock.kind === "calendar") return new Date(at.getTime());
  for (const [start] of openSpans(compiledOf(clock), at.getTime(), Infinity)) return new Date(start);
  return null;
}

/** The merged open intervals within [from, to), clipped to it. */
export function openIntervals(clock: BusinessClock, from: Date, to: Date): TimeInterval[] {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (toMs <= fromMs) return [];
  if (clock.kind === "calendar") return [{ start: new Date(fromMs), end: new Date(toMs) }];
  const intervals: TimeInterval[] = [];
  for (const [start, end] of openSpans(compiledOf(clock), fromMs, toMs)) intervals.push({ start: new Date(start), end: new Date(end) });
  return intervals;
}

/** Open minutes in [from, to) (0 when `to` is not after `from`); fractional when an end falls inside a minute. */
export function businessMinutesBetween(clock: BusinessClock, from: Date, to: Date): number {
  return businessMsBetween(clock, from.getTime(), to.getTime()) / MINUTE_MS;
}

/**
 * The earliest instant by which `minutes` open minutes have elapsed since `from`. Counting starts at
 * the next opening when `from` is outside hours; the result can be a closing time (Fri 16:00 + 60 on
 * 09–17 is Fri 17:00), and 0 minutes is `from` itself. Null when the schedule runs out of open time
 * (no open minute within the search horizon).
 */
export function addBusinessMinutes(clock: BusinessClock, from: Date, minutes: number): Date | null {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`Cannot add ${minutes} business minutes`);
  const ms = addBusinessMs(clock, from.getTime(), Math.round(minutes * MINUTE_MS));
  return ms === null ? null : new Date(ms);
}

/** `businessMinutesBetween` on epoch milliseconds, for callers that already work in them. */
export function businessMsBetween(clock: BusinessClock, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  if (clock.kind === "calendar") return toMs - fromMs;
  let total = 0;
  for (const [start, end] of openSpans(compiledOf(clock), fromMs, toMs)) total += end - start;
  return total;
}

/** `addBusinessMinutes` on epoch milliseconds. */
export function addBusinessMs(clock: BusinessClock, fromMs: number, durationMs: number): number | null {
  if (durationMs <= 0) return fromMs;
  if (clock.kind === "calendar") return fromMs + durationMs;
  let remaining = durationMs;
  for (const [start, end] of openSpans(compiledOf(clock), fromMs, Infinity)) {
    if (end - start >= remaining) return start + remaining;
    remaining -= end - start;
  }
  return null;
}

function compiledOf(clock: ScheduleClock): CompiledSchedule {
  const compiled = compiledSchedules.get(clock);
  if (!compiled) throw new TypeError("Build business clocks with businessClock(schedule)");
  return compiled;
}

/**
 * Merged open spans [start, end) from `fromMs` (clipped) onwards, in order, ending before `toMs`
 * (clipped) or, for an unbounded search, after SEARCH_HORIZON_DAYS without open time.
 */
function* openSpans(compiled: CompiledSchedule, fromMs: number, toMs: number): Generator<readonly [number, number]> {
  const firstDay = localDayOf(compiled.timeZone, fromMs);
  const lastDay = Number.isFinite(toMs) ? localDayOf(compiled.timeZone, toMs) : Infinity;
  let giveUpAfterDay = firstDay + SEARCH_HORIZON_DAYS;
  let pendingStart = NaN;
  let pendingEnd = NaN;
  // A period that started the day before can still be open at `fromMs`.
  for (let day = firstDay - 1; day <= lastDay && day <= giveUpAfterDay; day++) {
    const spans = daySpans(compiled, day);
    for (let i = 0; i < spans.length; i += 2) {
      const start = Math.max(spans[i]!, fromMs);
      const end = Math.min(spans[i + 1]!, toMs);
      if (end <= start) continue;
      giveUpAfterDay = day + SEARCH_HORIZON_DAYS;
      if (start <= pendingEnd) {
        pendingEnd = Math.max(pendingEnd, end);
        continue;
      }
      if (pendingEnd > pendingStart) yield [pendingStart, pendingEnd];
      pendingStart = start;
      pendingEnd = end;
    }
  }
  if (pendingEnd > pendingStart) yield [pendingStart, pendingEnd];
}

/** Flat [start, end, start, end, …] of the merged, holiday-clipped open spans of the periods starting on local `day`. */
function daySpans(compiled: CompiledSchedule, day: number): readonly number[] {
  const cached = compiled.dayCache.get(day);
  if (cached) return cached;
  const periods = compiled.periodsByWeekday[isoWeekdayOf(day) - 1]!;
  const raw: Array<[number, number]> = [];
  for (const [startMinute, endMinute] of periods) {
    let start = localToUtc(compiled.timeZone, day, startMinute);
    let end = localToUtc(compiled.timeZone, day, endMinute);
    if (compiled.holidayDays.has(day)) start = Math.max(start, localToUtc(compiled.timeZone, day + 1, 0));
    if (compiled.holidayDays.has(day + 1)) end = Math.min(end, localToUtc(compiled.timeZone, day + 1, 0));
    // A period inside a skipped DST hour can end up with end <= start: it has no time that day.
    if (end > start) raw.push([start, end]);
  }
  raw.sort((a, b) => a[0] - b[0]);
  const spans: number[] = [];
  for (const [start, end] of raw) {
    const last = spans.length - 1;
    if (last > 0 && start <= spans[last]!) spans[last] = Math.max(spans[last]!, end);
    else spans.push(start, end);
  }
  if (compiled.dayCache.size >= DAY_CACHE_LIMIT) compiled.dayCache.clear();
  compiled.dayCache.set(day, spans);
  return spans;
}

/** ISO weekday of a day number (1970-01-01 was a Thursday). */
function isoWeekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The local calendar day (days since 1970-01-01) that contains the instant `ms` in `timeZone`. */
function localDayOf(timeZone: string, ms: number): number {
  return Math.floor((ms + tzOffset(timeZone, new Date(ms)) * MINUTE_MS) / DAY_MS);
}

/** The instant of local wall time `minute` (may exceed a day) on local `day`, disambiguated as described at the top. */
function localToUtc(timeZone: string, day: number, minute: number): number {
  const wall = day * DAY_MS + minute * MINUTE_MS;
  const steadyOffset = steadyOffsetAround(timeZone, Math.floor(wall / DAY_MS));
  if (steadyOffset !== null) return wall - steadyOffset;
  // Offsets a day either side of the wall time: they differ because a transition lies in between.
  const offsetBefore = tzOffset(timeZone, new Date(wall - DAY_MS)) * MINUTE_MS;
  const offsetAfter = tzOffset(timeZone, new Date(wall + DAY_MS)) * MINUTE_MS;
  const withBefore = wall - offsetBefore;
  const withAfter = wall - offsetAfter;
  const beforeIsValid = tzOffset(timeZone, new Date(withBefore)) * MINUTE_MS === offsetBefore;
  const afterIsValid = tzOffset(timeZone, new Date(withAfter)) * MINUTE_MS === offsetAfter;
  if (beforeIsValid && afterIsValid) return Math.min(withBefore, withAfter);
  if (afterIsValid) return withAfter;
  // Valid with the earlier offset only, or in a skipped gap: the earlier offset moves it forward by the gap.
  return withBefore;
}

/** Per zone, per local day: the UTC offset (ms) when it holds from the day before to the day after, else null. Shared by all clocks. */
const steadyOffsets = new Map<string, Map<number, number | null>>();

function steadyOffsetAround(timeZone: string, day: number): number | null {
  let byDay = steadyOffsets.get(timeZone);
  if (!byDay) steadyOffsets.set(timeZone, (byDay = new Map<number, number | null>()));
  const cached = byDay.get(day);
  if (cached !== undefined) return cached;
  // Every instant whose wall time falls on `day` lies within a day either side of it (offsets stay within ±14 h).
  const before = tzOffset(timeZone, new Date((day - 1) * DAY_MS)) * MINUTE_MS;
  const after = tzOffset(timeZone, new Date((day + 2) * DAY_MS)) * MINUTE_MS;
  const steady = before === after ? before : null;
  if (byDay.size >= DAY_CACHE_LIMIT) byDay.clear();
  byDay.set(day, steady);
  return steady;
}
