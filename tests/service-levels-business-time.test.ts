import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { businessHoursSchema, overlappingPeriods } from "../app/service-levels/business-hours-schema";
import {
  addBusinessMinutes,
  businessClock,
  businessMinutesBetween,
  calendarClock,
  isOpen,
  nextOpening,
  openIntervals,
  SEARCH_HORIZON_DAYS,
  type BusinessPeriod,
  type BusinessSchedule,
  type Holiday,
  type IsoWeekday,
} from "../app/service-levels/business-time";

// Instants are written with their offset (Berlin is +01:00 in winter, +02:00 in summer), so the
// expected values never depend on the code under test.
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;
const weekdays: IsoWeekday[] = [1, 2, 3, 4, 5];
const daily = (start: string, end: string, days: IsoWeekday[] = weekdays): BusinessPeriod[] => days.map((weekday) => ({ weekday, start, end }));
const schedule = (periods: BusinessPeriod[], extra: Partial<BusinessSchedule> = {}): BusinessSchedule => ({
  timeZone: "Europe/Berlin",
  periods,
  holidays: [],
  ...extra,
});
const nineToFive = businessClock(schedule(daily("09:00", "17:00")));

describe("addBusinessMinutes on 09:00–17:00 weekdays (Europe/Berlin, December = UTC+1)", () => {
  it("carries the rest of a Friday over the weekend", () => {
    // Fri 16:00 + 120: 60 min until Fri 17:00, then 60 from Mon 09:00 = Mon 10:00.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-04T16:00+01:00"), 120))).toBe(at("2026-12-07T10:00+01:00").toISOString());
  });

  it("ends at the closing time when the minutes run out exactly then", () => {
    // Fri 16:00 + 60 = Fri 17:00, not Monday morning.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-04T16:00+01:00"), 60))).toBe(at("2026-12-04T17:00+01:00").toISOString());
  });

  it("starts counting at the next opening when asked outside hours", () => {
    // Sat 12:00 + 30: nothing counts until Mon 09:00, so Mon 09:30.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-05T12:00+01:00"), 30))).toBe(at("2026-12-07T09:30+01:00").toISOString());
    // Tue 07:00 (before opening) + 60 = Tue 10:00.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-01T07:00+01:00"), 60))).toBe(at("2026-12-01T10:00+01:00").toISOString());
    // Tue 18:00 (after closing) + 60 = Wed 10:00.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-01T18:00+01:00"), 60))).toBe(at("2026-12-02T10:00+01:00").toISOString());
  });

  it("adds nothing for 0 minutes, even outside hours", () => {
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-05T12:00+01:00"), 0))).toBe(at("2026-12-05T12:00+01:00").toISOString());
  });

  it("handles a 1-minute target, also across a closing time", () => {
    // Mon 09:00 + 1 = Mon 09:01.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-07T09:00+01:00"), 1))).toBe(at("2026-12-07T09:01+01:00").toISOString());
    // Mon 16:59:30 + 1: 30 s until 17:00, the other 30 s from Tue 09:00 = Tue 09:00:30.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-12-07T16:59:30+01:00"), 1))).toBe(at("2026-12-08T09:00:30+01:00").toISOString());
  });

  it("handles a 30-day target, across the spring-forward weekend", () => {
    // 30 days = 43,200 min = 90 business days of 480 min = 18 full weeks. From Mon 2026-01-05 09:00,
    // the 90th business day is the Friday of week 18: 2026-01-05 + 17 weeks + 4 days = Fri 2026-05-08,
    // ending at 17:00 CEST (UTC+2, after the change of 2026-03-29).
    expect(iso(addBusinessMinutes(nineToFive, at("2026-01-05T09:00+01:00"), 30 * 24 * 60))).toBe(at("2026-05-08T17:00+02:00").toISOString());
  });

  it("refuses a negative or non-finite number of minutes", () => {
    expect(() => addBusinessMinutes(nineToFive, at("2026-12-07T09:00+01:00"), -1)).toThrow(RangeError);
    expect(() => addBusinessMinutes(nineToFive, at("2026-12-07T09:00+01:00"), Number.NaN)).toThrow(RangeError);
  });
});

describe("businessMinutesBetween, isOpen, nextOpening, openIntervals", () => {
  it("counts only open minutes", () => {
    // Fri 16:00 → Mon 10:00: Fri 16–17 and Mon 09–10 = 120.
    expect(businessMinutesBetween(nineToFive, at("2026-12-04T16:00+01:00"), at("2026-12-07T10:00+01:00"))).toBe(120);
    // A whole week Mon 00:00 → next Mon 00:00: 5 × 480 = 2400.
    expect(businessMinutesBetween(nineToFive, at("2026-12-07T00:00+01:00"), at("2026-12-14T00:00+01:00"))).toBe(2400);
    // Saturday → Sunday: nothing; and an empty or reversed range: nothing.
    expect(businessMinutesBetween(nineToFive, at("2026-12-05T00:00+01:00"), at("2026-12-06T23:00+01:00"))).toBe(0);
    expect(businessMinutesBetween(nineToFive, at("2026-12-07T12:00+01:00"), at("2026-12-07T10:00+01:00"))).toBe(0);
  });

  it("treats periods as half-open: open at the opening minute, closed at the closing minute", () => {
    expect(isOpen(nineToFive, at("2026-12-07T09:00+01:00"))).toBe(true);
    expect(isOpen(nineToFive, at("2026-12-07T16:59:59+01:00"))).toBe(true);
    expect(isOpen(nineToFive, at("2026-12-07T17:00+01:00"))).toBe(false);
    expect(isOpen(nineToFive, at("2026-12-05T12:00+01:00"))).toBe(false);
  });

  it("finds the next opening, or the instant itself when open", () => {
    expect(iso(nextOpening(nineToFive, at("2026-12-04T17:00+01:00")))).toBe(at("2026-12-07T09:00+01:00").toISOString());
    expect(iso(nextOpening(nineToFive, at("2026-12-07T11:15+01:00")))).toBe(at("2026-12-07T11:15+01:00").toISOString());
  });

  it("uses several periods on one day, with the lunch break closed", () => {
    const split = businessClock(schedule([...daily("08:00", "12:00"), ...daily("13:00", "17:30")]));
    // Mon 11:30 + 60: 30 min until 12:00, 30 from 13:00 = 13:30.
    expect(iso(addBusinessMinutes(split, at("2026-12-07T11:30+01:00"), 60))).toBe(at("2026-12-07T13:30+01:00").toISOString());
    // A day: 4 h + 4.5 h = 510 min.
    expect(businessMinutesBetween(split, at("2026-12-07T00:00+01:00"), at("2026-12-08T00:00+01:00"))).toBe(510);
    expect(isOpen(split, at("2026-12-07T12:30+01:00"))).toBe(false);
  });

  it("runs a period whose end is before its start past midnight", () => {
    const nights = businessClock(schedule([{ weekday: 5, start: "22:00", end: "02:00" }]));
    // Fri 23:00 + 120 = Sat 01:00 (the Friday period goes on until Sat 02:00).
    expect(iso(addBusinessMinutes(nights, at("2026-12-04T23:00+01:00"), 120))).toBe(at("2026-12-05T01:00+01:00").toISOString());
    expect(isOpen(nights, at("2026-12-05T01:30+01:00"))).toBe(true);
    expect(isOpen(nights, at("2026-12-05T02:00+01:00"))).toBe(false);
    expect(openIntervals(nights, at("2026-12-04T00:00+01:00"), at("2026-12-06T00:00+01:00"))).toEqual([
      { start: at("2026-12-04T22:00+01:00"), end: at("2026-12-05T02:00+01:00") },
    ]);
    // Asked from Saturday 00:30, the Friday period is still open: 90 min left of it.
    expect(businessMinutesBetween(nights, at("2026-12-05T00:30+01:00"), at("2026-12-06T00:00+01:00"))).toBe(90);
  });

  it("merges a period ending at 24:00 with the next day's period from 00:00", () => {
    const late = businessClock(
      schedule([
        { weekday: 1, start: "18:00", end: "24:00" },
        { weekday: 2, start: "00:00", end: "06:00" },
      ]),
    );
    expect(openIntervals(late, at("2026-12-07T00:00+01:00"), at("2026-12-09T00:00+01:00"))).toEqual([
      { start: at("2026-12-07T18:00+01:00"), end: at("2026-12-08T06:00+01:00") },
    ]);
  });

  it("clips open intervals to the range asked for", () => {
    expect(openIntervals(nineToFive, at("2026-12-07T10:00+01:00"), at("2026-12-08T10:00+01:00"))).toEqual([
      { start: at("2026-12-07T10:00+01:00"), end: at("2026-12-07T17:00+01:00") },
      { start: at("2026-12-08T09:00+01:00"), end: at("2026-12-08T10:00+01:00") },
    ]);
  });
});

describe("holidays", () => {
  const christmas = businessClock(schedule(daily("09:00", "17:00"), { holidays: [{ date: "2026-12-25", name: "Christmas Day" }] }));

  it("skips a holiday as a whole local day", () => {
    // Thu 24 Dec 16:00 + 120: 60 on Thursday; Fri 25 is a holiday; 60 from Mon 28 09:00 = Mon 10:00.
    expect(iso(addBusinessMinutes(christmas, at("2026-12-24T16:00+01:00"), 120))).toBe(at("2026-12-28T10:00+01:00").toISOString());
    expect(isOpen(christmas, at("2026-12-25T10:00+01:00"))).toBe(false);
    expect(businessMinutesBetween(christmas, at("2026-12-21T00:00+01:00"), at("2026-12-28T00:00+01:00"))).toBe(4 * 480);
  });

  it("clips a night period that crosses into or out of a holiday", () => {
    const nights = daily("22:00", "02:00", [4]);
    // Thursday 22:00–02:00 with Friday a holiday: only Thursday's 22:00–24:00 counts.
    const intoHoliday = businessClock(schedule(nights, { holidays: [{ date: "2026-12-25", name: "Christmas Day" }] }));
    expect(openIntervals(intoHoliday, at("2026-12-24T00:00+01:00"), at("2026-12-26T00:00+01:00"))).toEqual([
      { start: at("2026-12-24T22:00+01:00"), end: at("2026-12-25T00:00+01:00") },
    ]);
    // The same period with Thursday the holiday: only Friday's 00:00–02:00 counts.
    const outOfHoliday = businessClock(schedule(nights, { holidays: [{ date: "2026-12-24", name: "Christmas Eve" }] }));
    expect(openIntervals(outOfHoliday, at("2026-12-24T00:00+01:00"), at("2026-12-26T00:00+01:00"))).toEqual([
      { start: at("2026-12-25T00:00+01:00"), end: at("2026-12-25T02:00+01:00") },
    ]);
  });

  it("returns null rather than searching forever when no business time lies ahead", () => {
    const closed = businessClock(schedule([]));
    expect(addBusinessMinutes(closed, at("2026-12-07T09:00+01:00"), 5)).toBeNull();
    expect(nextOpening(closed, at("2026-12-07T09:00+01:00"))).toBeNull();
    expect(businessMinutesBetween(closed, at("2026-12-07T00:00+01:00"), at("2036-12-07T00:00+01:00"))).toBe(0);

    // Open on Mondays only, and every Monday for longer than the search horizon is a holiday.
    const mondays: Holiday[] = [];
    for (let day = 0; day * 7 <= SEARCH_HORIZON_DAYS + 7; day++) {
      mondays.push({ date: new Date(Date.UTC(2026, 11, 7 + day * 7)).toISOString().slice(0, 10), name: "Closed" });
    }
    const neverOpen = businessClock(schedule(daily("09:00", "17:00", [1]), { holidays: mondays }));
    expect(addBusinessMinutes(neverOpen, at("2026-12-07T08:00+01:00"), 1)).toBeNull();
    expect(nextOpening(neverOpen, at("2026-12-07T08:00+01:00"))).toBeNull();
  });
});

describe("daylight saving time", () => {
  it("gives a period across the spring-forward hour one hour less (Europe/Berlin 2026-03-29)", () => {
    // 01:30 CET (+01:00) to 03:30 CEST (+02:00): 02:00–03:00 does not exist, so 60 real minutes.
    const clock = businessClock(schedule([{ weekday: 7, start: "01:30", end: "03:30" }]));
    expect(openIntervals(clock, at("2026-03-28T00:00+01:00"), at("2026-03-30T00:00+02:00"))).toEqual([
      { start: at("2026-03-29T01:30+01:00"), end: at("2026-03-29T03:30+02:00") },
    ]);
    expect(businessMinutesBetween(clock, at("2026-03-28T00:00+01:00"), at("2026-03-30T00:00+02:00"))).toBe(60);
    // A period entirely inside the skipped hour has no time that day.
    const skipped = businessClock(schedule([{ weekday: 7, start: "02:00", end: "03:00" }]));
    expect(businessMinutesBetween(skipped, at("2026-03-28T00:00+01:00"), at("2026-03-30T00:00+02:00"))).toBe(0);
  });

  it("gives a period across the fall-back hour one hour more (Europe/Berlin 2026-10-25)", () => {
    // 01:30 CEST (+02:00) to 03:30 CET (+01:00): 02:00–03:00 happens twice, so 180 real minutes.
    const clock = businessClock(schedule([{ weekday: 7, start: "01:30", end: "03:30" }]));
    expect(openIntervals(clock, at("2026-10-24T00:00+02:00"), at("2026-10-26T00:00+01:00"))).toEqual([
      { start: at("2026-10-25T01:30+02:00"), end: at("2026-10-25T03:30+01:00") },
    ]);
    expect(businessMinutesBetween(clock, at("2026-10-24T00:00+02:00"), at("2026-10-26T00:00+01:00"))).toBe(180);
  });

  it("keeps office hours at local time after the change", () => {
    // Fri 2026-03-27 16:00 CET + 120: 60 on Friday, then Mon 2026-03-30 09:00 CEST (+02:00) + 60 = 10:00 CEST.
    expect(iso(addBusinessMinutes(nineToFive, at("2026-03-27T16:00+01:00"), 120))).toBe(at("2026-03-30T10:00+02:00").toISOString());
    // Fri 2026-10-23 16:00 CEST + 120 = Mon 2026-10-26 10:00 CET (+01:00).
    expect(iso(addBusinessMinutes(nineToFive, at("2026-10-23T16:00+02:00"), 120))).toBe(at("2026-10-26T10:00+01:00").toISOString());
  });

  it("does the same in America/New_York (2026-03-08 and 2026-11-01)", () => {
    const clock = businessClock(schedule([{ weekday: 7, start: "01:30", end: "03:30" }], { timeZone: "America/New_York" }));
    // Spring forward at 02:00 EST: 01:30 EST (-05:00) to 03:30 EDT (-04:00) = 60 min.
    expect(openIntervals(clock, at("2026-03-07T00:00-05:00"), at("2026-03-09T00:00-04:00"))).toEqual([
      { start: at("2026-03-08T01:30-05:00"), end: at("2026-03-08T03:30-04:00") },
    ]);
    // Fall back at 02:00 EDT: 01:30 happens twice; the period starts at the first (EDT, -04:00) and
    // ends at 03:30 EST (-05:00) = 180 min.
    expect(openIntervals(clock, at("2026-10-31T00:00-04:00"), at("2026-11-02T00:00-05:00"))).toEqual([
      { start: at("2026-11-01T01:30-04:00"), end: at("2026-11-01T03:30-05:00") },
    ]);
    // Open all day, every day: Sat 00:00 EST to Mon 00:00 EDT is 48 h less the skipped hour = 2,820 min.
    const allDay = businessClock(schedule(daily("00:00", "24:00", [1, 2, 3, 4, 5, 6, 7]), { timeZone: "America/New_York" }));
    expect(businessMinutesBetween(allDay, at("2026-03-07T00:00-05:00"), at("2026-03-09T00:00-04:00"))).toBe(2820);
  });
});

describe("calendar clock", () => {
  const calendar = calendarClock();

  it("counts every real minute, nights, weekends and DST changes included", () => {
    // Sat 2026-03-28 12:00 CET → Sun 2026-03-29 12:00 CEST is 23 real hours.
    expect(businessMinutesBetween(calendar, at("2026-03-28T12:00+01:00"), at("2026-03-29T12:00+02:00"))).toBe(23 * 60);
    expect(iso(addBusinessMinutes(calendar, at("2026-12-05T23:30+01:00"), 60))).toBe(at("2026-12-06T00:30+01:00").toISOString());
    // 30 days of calendar minutes are 30 × 24 real hours.
    expect(iso(addBusinessMinutes(calendar, at("2026-03-20T12:00Z"), 43_200))).toBe(at("2026-04-19T12:00Z").toISOString());
    expect(isOpen(calendar, at("2026-12-05T03:00Z"))).toBe(true);
    expect(iso(nextOpening(calendar, at("2026-12-05T03:00Z")))).toBe(at("2026-12-05T03:00Z").toISOString());
    expect(openIntervals(calendar, at("2026-12-05T03:00Z"), at("2026-12-05T04:00Z"))).toEqual([
      { start: at("2026-12-05T03:00Z"), end: at("2026-12-05T04:00Z") },
    ]);
  });
});

describe("businessClock", () => {
  it("refuses a schedule it cannot compute with", () => {
    expect(() => businessClock(schedule([], { timeZone: "Mars/Olympus_Mons" }))).toThrow(RangeError);
    expect(() => businessClock(schedule([{ weekday: 1, start: "9:00", end: "17:00" }]))).toThrow(RangeError);
    expect(() => businessClock(schedule([], { holidays: [{ date: "2026-02-30", name: "No such day" }] }))).toThrow(RangeError);
  });
});

describe("properties (fast-check, fixed seed)", () => {
  const zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"];
  const clockTime = fc
    .integer({ min: 0, max: 95 })
    .map((quarter) => `${String(Math.floor(quarter / 4)).padStart(2, "0")}:${String((quarter % 4) * 15).padStart(2, "0")}`);
  const period = fc.record({ weekday: fc.integer({ min: 1, max: 7 }).map((day) => day as IsoWeekday), start: clockTime, end: clockTime });
  const holiday = fc
    .integer({ min: 0, max: 1500 })
    .map((offset) => ({ date: new Date(Date.UTC(2025, 0, 1 + offset)).toISOString().slice(0, 10), name: "Holiday" }));
  const anySchedule = fc.record({
    timeZone: fc.constantFrom(...zones),
    periods: fc.array(period, { minLength: 1, maxLength: 8 }),
    holidays: fc.array(holiday, { maxLength: 30 }),
  });
  const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }).map((ms) => new Date(ms));
  const minutes = fc.integer({ min: 0, max: 50_000 });
  const settings = { seed: 20_261_202, numRuns: 150 };

  it("measures back exactly the minutes it added", () => {
    fc.assert(
      fc.property(anySchedule, instant, minutes, (scheduleValue, from, amount) => {
        const clock = businessClock(scheduleValue);
        const due = addBusinessMinutes(clock, from, amount);
        expect(due).not.toBeNull();
        expect(businessMinutesBetween(clock, from, due!)).toBe(amount);
      }),
      settings,
    );
  });

  it("never gives an earlier instant for more minutes", () => {
    fc.assert(
      fc.property(anySchedule, instant, minutes, minutes, (scheduleValue, from, a, b) => {
        const clock = businessClock(scheduleValue);
        const [fewer, more] = [Math.min(a, b), Math.max(a, b)];
        expect(addBusinessMinutes(clock, from, fewer)!.getTime()).toBeLessThanOrEqual(addBusinessMinutes(clock, from, more)!.getTime());
      }),
      settings,
    );
  });

  it("adds up over consecutive ranges, never exceeds real time, and agrees with isOpen", () => {
    fc.assert(
      fc.property(
        anySchedule,
        instant,
        fc.array(fc.integer({ min: 0, max: 14 * 86_400_000 }), { minLength: 2, maxLength: 2 }),
        (scheduleValue, a, [gap1, gap2]) => {
          const clock = businessClock(scheduleValue);
          const b = new Date(a.getTime() + gap1!);
          const c = new Date(b.getTime() + gap2!);
          const whole = businessMinutesBetween(clock, a, c);
          expect(businessMinutesBetween(clock, a, b) + businessMinutesBetween(clock, b, c)).toBeCloseTo(whole, 6);
          expect(whole).toBeLessThanOrEqual((c.getTime() - a.getTime()) / 60_000);
          const intervals = openIntervals(clock, a, c);
          intervals.forEach((interval, index) => {
            expect(interval.end.getTime()).toBeGreaterThan(interval.start.getTime());
            if (index > 0) expect(interval.start.getTime()).toBeGreaterThan(intervals[index - 1]!.end.getTime());
            expect(isOpen(clock, interval.start)).toBe(true);
            if (interval.end.getTime() < c.getTime()) expect(isOpen(clock, interval.end)).toBe(false);
          });
        },
      ),
      settings,
    );
  });
});

describe("businessHoursSchema", () => {
  const valid = {
    name: "Berlin office",
    timeZone: "europe/berlin",
    periods: [
      { weekday: 1, start: "08:00", end: "12:00" },
      { weekday: 1, start: "13:00", end: "17:30" },
      { weekday: 5, start: "22:00", end: "02:00" },
    ],
    holidays: [{ date: "2026-12-25", name: "Christmas Day" }],
  };
  const issuesOf = (input: unknown) => {
    const result = businessHoursSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  };

  it("accepts a schedule and spells its time zone as the runtime does", () => {
    const parsed = businessHoursSchema.parse(valid);
    expect(parsed.timeZone).toBe("Europe/Berlin");
    expect(parsed.periods).toHaveLength(3);
    // What it accepts, the arithmetic accepts.
    expect(() => businessClock(parsed)).not.toThrow();
  });

  it("refuses unknown zones, malformed times and impossible dates, field by field", () => {
    expect(
      issuesOf({
        ...valid,
        timeZone: "+01:00",
        periods: [{ weekday: 8, start: "24:00", end: "25:00" }],
        holidays: [{ date: "2026-02-30", name: " " }],
      }),
    ).toEqual([
      { path: "timeZone", message: "Choose a time zone from the list, such as Europe/Berlin." },
      { path: "periods.0.weekday", message: "Choose a day of the week." },
      { path: "periods.0.start", message: "Enter a start time as HH:MM, from 00:00 to 23:59." },
      { path: "periods.0.end", message: "Enter an end time as HH:MM, from 00:00 to 24:00." },
      { path: "holidays.0.date", message: "Enter a real date as YYYY-MM-DD, such as 2026-12-25." },
      { path: "holidays.0.name", message: "Name the holiday." },
    ]);
    expect(issuesOf({ ...valid, periods: [{ weekday: 2, start: "09:00", end: "09:00" }] })).toEqual([
      { path: "periods.0.end", message: "A period must end at another time than it starts; for a whole day use 00:00–24:00." },
    ]);
  });

  it("says which periods overlap, including a night period running into the next day", () => {
    expect(
      issuesOf({
        ...valid,
        periods: [
          { weekday: 1, start: "08:00", end: "12:00" },
          { weekday: 1, start: "11:00", end: "13:00" },
          { weekday: 5, start: "22:00", end: "02:00" },
          { weekday: 6, start: "01:00", end: "05:00" },
          { weekday: 7, start: "20:00", end: "24:00" },
          { weekday: 1, start: "00:00", end: "06:00" },
          { weekday: 7, start: "23:00", end: "01:00" },
        ],
      }),
    ).toEqual([
      { path: "periods.1", message: "Monday 11:00–13:00 overlaps Monday 08:00–12:00." },
      { path: "periods.3", message: "Saturday 01:00–05:00 overlaps Friday 22:00–02:00." },
      { path: "periods.6", message: "Sunday 23:00–01:00 overlaps Sunday 20:00–24:00." },
    ]);
    // Sunday 23:00–01:00 also overlaps Monday 00:00–06:00 across the week's end.
    expect(
      overlappingPeriods([
        { weekday: 1, start: "00:00", end: "06:00" },
        { weekday: 7, start: "23:00", end: "01:00" },
      ]),
    ).toEqual([{ index: 1, other: 0 }]);
    // Touching periods do not overlap.
    expect(issuesOf({ ...valid, periods: daily("08:00", "12:00").concat(daily("12:00", "16:00")) })).toEqual([]);
  });

  it("enforces its limits and refuses a holiday listed twice", () => {
    const crowded = Array.from({ length: 11 }, (_, hour) => ({
      weekday: 3,
      start: `${String(hour).padStart(2, "0")}:00`,
      end: `${String(hour).padStart(2, "0")}:30`,
    }));
    expect(issuesOf({ ...valid, periods: crowded })).toEqual([{ path: "periods.10", message: "At most 10 periods on Wednesday." }]);
    expect(issuesOf({ ...valid, holidays: Array.from({ length: 367 }, () => ({ date: "2026-12-25", name: "Christmas" })) })[0]).toEqual({
      path: "holidays",
      message: "At most 366 holidays.",
    });
    expect(
      issuesOf({
        ...valid,
        holidays: [
          { date: "2026-12-25", name: "Christmas Day" },
          { date: "2026-12-25", name: "Xmas" },
        ],
      }),
    ).toEqual([{ path: "holidays.1.date", message: "2026-12-25 is already listed as Christmas Day." }]);
    expect(issuesOf({ ...valid, holidays: [{ date: "2026-12-25", name: "x".repeat(81) }] })).toEqual([
      { path: "holidays.0.name", message: "Keep a holiday's name under 80 characters." },
    ]);
  });
});
