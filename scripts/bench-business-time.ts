// Business-time microbenchmark: `tsx scripts/bench-business-time.ts`. Prints ops/s; asserts nothing.
import { performance } from "node:perf_hooks";
import { addBusinessMinutes, businessClock, type BusinessSchedule, type IsoWeekday } from "../app/service-levels/business-time";
import { computeSlaClocks, type SlaEvent } from "../app/service-levels/sla-clock";

const THIRTY_DAYS_IN_MINUTES = 30 * 24 * 60;
const DURATION_MS = 2000;

/** A typical office: 08:00–12:00 and 13:00–17:00 on weekdays, with a year of public holidays. */
const typicalSchedule: BusinessSchedule = {
  timeZone: "Europe/Berlin",
  periods: ([1, 2, 3, 4, 5] as IsoWeekday[]).flatMap((weekday) => [
    { weekday, start: "08:00", end: "12:00" },
    { weekday, start: "13:00", end: "17:00" },
  ]),
  holidays: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26", "2027-01-01"].map(
    (date) => ({ date, name: "Public holiday" }),
  ),
};

/** Starting instants spread over a year, so lookups hit many different days. */
const starts = Array.from({ length: 4096 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 7_717_000));

function measure(name: string, operation: (i: number) => unknown): void {
  for (let i = 0; i < 200; i++) operation(i);
  let ops = 0;
  const began = performance.now();
  while (performance.now() - began < DURATION_MS) {
    for (let i = 0; i < 100; i++) operation(ops++);
  }
  const seconds = (performance.now() - began) / 1000;
  process.stdout.write(`${name.padEnd(64)} ${Math.round(ops / seconds).toLocaleString("en-US")} ops/s\n`);
}

const sharedClock = businessClock(typicalSchedule);
measure("addBusinessMinutes, 30-day target, shared clock (days cached)", (i) =>
  addBusinessMinutes(sharedClock, starts[i % starts.length]!, THIRTY_DAYS_IN_MINUTES),
);
measure("addBusinessMinutes, 30-day target, new clock per call (cold)", (i) =>
  addBusinessMinutes(businessClock(typicalSchedule), starts[i % starts.length]!, THIRTY_DAYS_IN_MINUTES),
);
measure("addBusinessMinutes, 8-hour target, shared clock", (i) => addBusinessMinutes(sharedClock, starts[i % starts.length]!, 480));

const status = { open: { category: "open", pausesResolution: false }, pending: { category: "pending", pausesResolution: true } } as const;
measure("computeSlaClocks, 10-event history, shared clock", (i) => {
  const start = starts[i % starts.length]!.getTime();
  const event = (hours: number) => new Date(start + hours * 3_600_000);
  const events: SlaEvent[] = [
    { type: "ticket_created", at: event(0), status: status.open },
    { type: "agent_public_reply", at: event(2) },
    { type: "customer_message", at: event(5) },
    { type: "status_changed", at: event(6), status: status.pending },
    { type: "customer_message", at: event(30) },
    { type: "status_changed", at: event(30), status: status.open },
    { type: "agent_public_reply", at: event(31) },
    { type: "policy_changed", at: event(32), targets: { firstReply: 60, nextReply: 120, resolution: 2400 } },
    { type: "customer_message", at: event(40) },
    { type: "agent_public_reply", at: event(44) },
  ];
  return computeSlaClocks({ clock: sharedClock, targets: { firstReply: 240, nextReply: 240, resolution: 4800 }, events, now: event(50) });
});
