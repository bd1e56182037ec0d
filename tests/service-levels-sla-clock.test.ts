import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { businessClock, calendarClock, type IsoWeekday } from "../app/service-levels/business-time";
import {
  breachWarningAt,
  computeSlaClocks,
  nextBreach,
  nextBreachAt,
  type SlaEvent,
  type SlaInput,
  type SlaMetricResult,
  type SlaResult,
  type SlaTargets,
  type StatusBehaviour,
} from "../app/service-levels/sla-clock";

// Business hours 09:00–17:00 Monday to Friday in Berlin. December 2026 is UTC+1; Mon 2026-12-07 is a Monday.
const nineToFive = businessClock({
  timeZone: "Europe/Berlin",
  periods: ([1, 2, 3, 4, 5] as IsoWeekday[]).map((weekday) => ({ weekday, start: "09:00", end: "17:00" })),
  holidays: [{ date: "2026-12-25", name: "Christmas Day" }],
});
const at = (iso: string) => new Date(iso);

const status = {
  new: { category: "new", pausesResolution: false },
  open: { category: "open", pausesResolution: false },
  pending: { category: "pending", pausesResolution: true },
  onHold: { category: "on_hold", pausesResolution: true },
  waitingOnVendorRunning: { category: "on_hold", pausesResolution: false },
  solved: { category: "solved", pausesResolution: false },
  closed: { category: "closed", pausesResolution: false },
} satisfies Record<string, StatusBehaviour>;

const created = (when: string, initial: StatusBehaviour = status.new): SlaEvent => ({ type: "ticket_created", at: at(when), status: initial });
const statusChanged = (when: string, next: StatusBehaviour): SlaEvent => ({ type: "status_changed", at: at(when), status: next });
const customerWrites = (when: string): SlaEvent => ({ type: "customer_message", at: at(when) });
const agentReplies = (when: string): SlaEvent => ({ type: "agent_public_reply", at: at(when) });
const policyChanged = (when: string, targets: SlaTargets, clock?: SlaInput["clock"]): SlaEvent => ({ type: "policy_changed", at: at(when), targets, clock });

const sla = (targets: SlaTargets, events: SlaEvent[], now: string, clock: SlaInput["clock"] = nineToFive) =>
  computeSlaClocks({ clock, targets, events, now: at(now) });

/** The fields a test states, compared with instants as ISO strings so failures read well. */
const summary = (metric: SlaMetricResult | null) =>
  metric && {
    state: metric.state,
    phase: metric.phase,
    startedAt: metric.startedAt.toISOString(),
    elapsedMinutes: metric.elapsedMinutes,
    dueAt: metric.dueAt?.toISOString() ?? null,
    remainingMinutes: metric.remainingMinutes,
    completedAt: metric.completedAt?.toISOString() ?? null,
    breachedAt: metric.breachedAt?.toISOString() ?? null,
    minutesEarly: metric.minutesEarly,
    minutesLate: metric.minutesLate,
  };
const utc = (iso: string) => at(iso).toISOString();

describe("first reply", () => {
  it("is achieved by an agent's public reply within the target", () => {
    // Mon 09:00 + 60 min target; the reply at 09:45 used 45 min, 15 early.
    const result = sla({ firstReply: 60 }, [created("2026-12-07T09:00+01:00"), agentReplies("2026-12-07T09:45+01:00")], "2026-12-07T12:00+01:00");
    expect(summary(result.firstReply)).toEqual({
      state: "achieved",
      phase: "stopped",
      startedAt: utc("2026-12-07T09:00+01:00"),
      elapsedMinutes: 45,
      dueAt: null,
      remainingMinutes: null,
      completedAt: utc("2026-12-07T09:45+01:00"),
      breachedAt: null,
      minutesEarly: 15,
      minutesLate: null,
    });
  });

  it("is breached and still running once its due time passes without a reply, then stays breached after the reply", () => {
    // Due Mon 10:00; at 10:30 it is 30 min late and still running.
    const events = [created("2026-12-07T09:00+01:00")];
    expect(summary(sla({ firstReply: 60 }, events, "2026-12-07T10:30+01:00").firstReply)).toMatchObject({
      state: "breached",
      phase: "running",
      elapsedMinutes: 90,
      dueAt: utc("2026-12-07T10:00+01:00"),
      remainingMinutes: 0,
      breachedAt: utc("2026-12-07T10:00+01:00"),
      minutesLate: 30,
    });
    // The reply at 11:00 stops it, 60 min late.
    const replied = sla({ firstReply: 60 }, [...events, agentReplies("2026-12-07T11:00+01:00")], "2026-12-08T09:00+01:00");
    expect(summary(replied.firstReply)).toMatchObject({ state: "breached", phase: "stopped", completedAt: utc("2026-12-07T11:00+01:00"), minutesLate: 60 });
  });

  it("counts from the next opening for a ticket opened outside hours", () => {
    // Created Sat 14:00, 120 min target: nothing counts until Mon 09:00, so due Mon 11:00.
    const events = [created("2026-12-05T14:00+01:00")];
    expect(summary(sla({ firstReply: 120 }, events, "2026-12-05T20:00+01:00").firstReply)).toMatchObject({
      state: "running",
      elapsedMinutes: 0,
      dueAt: utc("2026-12-07T11:00+01:00"),
      remainingMinutes: 120,
    });
    // A reply on Sunday used none of it.
    const replied = sla({ firstReply: 120 }, [...events, agentReplies("2026-12-06T10:00+01:00")], "2026-12-07T12:00+01:00");
    expect(summary(replied.firstReply)).toMatchObject({ state: "achieved", elapsedMinutes: 0, minutesEarly: 120 });
  });

  it("is breached by a reply after a due time that fell at closing, even though no business minute passed since", () => {
    // Fri 16:00 + 60 = due Fri 17:00. A reply on Saturday 10:00 is late by 17 real hours (1,020 min).
    const events = [created("2026-12-04T16:00+01:00")];
    const saturday = sla({ firstReply: 60 }, [...events, agentReplies("2026-12-05T10:00+01:00")], "2026-12-07T09:00+01:00");
    expect(summary(saturday.firstReply)).toMatchObject({ state: "breached", elapsedMinutes: 60, breachedAt: utc("2026-12-04T17:00+01:00"), minutesLate: 1020 });
    // A reply at 17:00 exactly is on time.
    const onTheDot = sla({ firstReply: 60 }, [...events, agentReplies("2026-12-04T17:00+01:00")], "2026-12-07T09:00+01:00");
    expect(summary(onTheDot.firstReply)).toMatchObject({ state: "achieved", minutesEarly: 0 });
  });

  it("handles a 1-minute target across a closing time", () => {
    // Created Mon 16:59:30: 30 s on Monday, 30 s from Tue 09:00, due Tue 09:00:30.
    const result = sla({ firstReply: 1 }, [created("2026-12-07T16:59:30+01:00")], "2026-12-07T18:00+01:00");
    expect(summary(result.firstReply)).toMatchObject({ state: "running", dueAt: utc("2026-12-08T09:00:30+01:00"), elapsedMinutes: 0.5 });
  });

  it("is not paused by a status that pauses resolution", () => {
    // Pending at 09:10 pauses resolution only; the first reply (60 min) is due 10:00 regardless.
    const result = sla(
      { firstReply: 60, resolution: 480 },
      [created("2026-12-07T09:00+01:00"), statusChanged("2026-12-07T09:10+01:00", status.pending)],
      "2026-12-07T10:30+01:00",
    );
    expect(summary(result.firstReply)).toMatchObject({ state: "breached", phase: "running", breachedAt: utc("2026-12-07T10:00+01:00") });
    expect(summary(result.resolution)).toMatchObject({ state: "paused", phase: "paused", elapsedMinutes: 10, remainingMinutes: 470, dueAt: null });
  });
});

describe("resolution: pause and resume", () => {
  it("pauses and resumes within one period", () => {
    // 240 min target from Mon 09:00. Pending 10:00–11:30 (60 used), open again: 180 left from 11:30 = due 14:30.
    const events = [
      created("2026-12-07T09:00+01:00", status.open),
      statusChanged("2026-12-07T10:00+01:00", status.pending),
      statusChanged("2026-12-07T11:30+01:00", status.open),
    ];
    expect(summary(sla({ resolution: 240 }, events.slice(0, 2), "2026-12-07T11:00+01:00").resolution)).toMatchObject({
      state: "paused",
      elapsedMinutes: 60,
      remainingMinutes: 180,
      dueAt: null,
    });
    expect(summary(sla({ resolution: 240 }, events, "2026-12-07T12:00+01:00").resolution)).toMatchObject({
      state: "running",
      elapsedMinutes: 90,
      remainingMinutes: 150,
      dueAt: utc("2026-12-07T14:30+01:00"),
    });
  });

  it("excludes the business hours of a pause that spans days", () => {
    // 480 min target from Mon 15:00. Pending Mon 16:00 (60 used) to Wed 10:00, skipping all of Tuesday.
    // 420 left from Wed 10:00 = Wed 17:00. Solved Wed 16:00: 60 + 360 = 420 used, 60 early.
    const events = [
      created("2026-12-07T15:00+01:00", status.open),
      statusChanged("2026-12-07T16:00+01:00", status.onHold),
      statusChanged("2026-12-09T10:00+01:00", status.open),
    ];
    expect(summary(sla({ resolution: 480 }, events, "2026-12-09T10:00+01:00").resolution)).toMatchObject({ dueAt: utc("2026-12-09T17:00+01:00") });
    const solved = sla({ resolution: 480 }, [...events, statusChanged("2026-12-09T16:00+01:00", status.solved)], "2026-12-10T09:00+01:00");
    expect(summary(solved.resolution)).toMatchObject({ state: "achieved", elapsedMinutes: 420, minutesEarly: 60, completedAt: utc("2026-12-09T16:00+01:00") });
  });

  it("follows the status's own setting, not its category", () => {
    // An on-hold status set to keep the clock running: 120 min from Mon 09:00 is due 11:00 as if open.
    const result = sla(
      { resolution: 120 },
      [created("2026-12-07T09:00+01:00"), statusChanged("2026-12-07T09:30+01:00", status.waitingOnVendorRunning)],
      "2026-12-07T10:00+01:00",
    );
    expect(summary(result.resolution)).toMatchObject({ state: "running", dueAt: utc("2026-12-07T11:00+01:00") });
    // A ticket created pending starts paused.
    expect(sla({ resolution: 120 }, [created("2026-12-07T09:00+01:00", status.pending)], "2026-12-07T12:00+01:00").resolution?.state).toBe("paused");
  });

  it("keeps a breach while paused, and the lateness keeps growing in real time", () => {
    // 60 min from Mon 09:00, due 10:00; pending at 10:30 (breached 30 min before). At 12:00, 120 min late.
    const result = sla(
      { resolution: 60 },
      [created("2026-12-07T09:00+01:00"), statusChanged("2026-12-07T10:30+01:00", status.pending)],
      "2026-12-07T12:00+01:00",
    );
    expect(summary(result.resolution)).toMatchObject({ state: "breached", phase: "paused", breachedAt: utc("2026-12-07T10:00+01:00"), minutesLate: 120 });
  });
});

describe("solving, closing and reopening", () => {
  it("stops every clock when solved; a solve within target achieves them", () => {
    // Solved Mon 09:30 without a reply: first reply 30 of 60 used, resolution 30 of 480.
    const result = sla(
      { firstReply: 60, nextReply: 30, resolution: 480 },
      [created("2026-12-07T09:00+01:00"), statusChanged("2026-12-07T09:30+01:00", status.solved)],
      "2026-12-08T12:00+01:00",
    );
    expect(summary(result.firstReply)).toMatchObject({ state: "achieved", completedAt: utc("2026-12-07T09:30+01:00"), minutesEarly: 30 });
    expect(summary(result.resolution)).toMatchObject({ state: "achieved", completedAt: utc("2026-12-07T09:30+01:00"), minutesEarly: 450 });
    expect(result.nextReply).toEqual({ current: null, cycles: [] });
    expect(nextBreachAt(result)).toBeNull();
  });

  it("resumes resolution where it stopped when reopened, and starts a next-reply cycle for the customer who wrote", () => {
    // 240 min resolution from Mon 09:00; first reply at 09:30; solved at 10:00 (60 used).
    // The customer writes at 11:45 while solved; reopened at 12:00: 180 left = due 15:00 (10:00–12:00 never counts).
    const events = [
      created("2026-12-07T09:00+01:00"),
      agentReplies("2026-12-07T09:30+01:00"),
      statusChanged("2026-12-07T10:00+01:00", status.solved),
      customerWrites("2026-12-07T11:45+01:00"),
      statusChanged("2026-12-07T12:00+01:00", status.open),
    ];
    const result = sla({ firstReply: 60, nextReply: 30, resolution: 240 }, events, "2026-12-07T13:00+01:00");
    expect(summary(result.resolution)).toMatchObject({
      state: "running",
      elapsedMinutes: 120,
      dueAt: utc("2026-12-07T15:00+01:00"),
      completedAt: null,
    });
    // The cycle starts at the reopen (12:00), due 12:30: breached by 13:00.
    expect(summary(result.nextReply.current)).toMatchObject({
      state: "breached",
      startedAt: utc("2026-12-07T12:00+01:00"),
      breachedAt: utc("2026-12-07T12:30+01:00"),
    });
  });

  it("keeps a resolution breach across a reopen", () => {
    // 60 min from Mon 09:00 (due 10:00); solved 11:00 (breached); reopened Tue 09:00, solved Tue 10:00.
    const result = sla(
      { resolution: 60 },
      [
        created("2026-12-07T09:00+01:00"),
        statusChanged("2026-12-07T11:00+01:00", status.solved),
        statusChanged("2026-12-08T09:00+01:00", status.open),
        statusChanged("2026-12-08T10:00+01:00", status.closed),
      ],
      "2026-12-09T09:00+01:00",
    );
    expect(summary(result.resolution)).toMatchObject({
      state: "breached",
      elapsedMinutes: 180,
      breachedAt: utc("2026-12-07T10:00+01:00"),
      completedAt: utc("2026-12-08T10:00+01:00"),
      // 10:00 Monday to 10:00 Tuesday: 24 real hours.
      minutesLate: 1440,
    });
  });
});

describe("next reply", () => {
  it("runs one cycle per unanswered customer message, each with its own verdict", () => {
    // Targets: first reply 60, next reply 30, from Mon 09:00.
    const events = [
      created("2026-12-07T09:00+01:00"),
      customerWrites("2026-12-07T09:05+01:00"), // before the first reply: no next-reply cycle
      agentReplies("2026-12-07T09:20+01:00"), // first reply, 40 early
      customerWrites("2026-12-07T10:00+01:00"), // cycle 1, due 10:30
      agentReplies("2026-12-07T10:20+01:00"), // achieved, 10 early
      customerWrites("2026-12-07T11:00+01:00"), // cycle 2, due 11:30
      customerWrites("2026-12-07T11:10+01:00"), // still cycle 2
      agentReplies("2026-12-07T11:45+01:00"), // breached, 15 late
      customerWrites("2026-12-07T16:50+01:00"), // cycle 3: 10 min on Monday, 20 from Tue 09:00 = due Tue 09:20
    ];
    const result = sla({ firstReply: 60, nextReply: 30 }, events, "2026-12-08T09:10+01:00");
    expect(summary(result.firstReply)).toMatchObject({ state: "achieved", minutesEarly: 40 });
    expect(result.nextReply.cycles.map(summary)).toEqual([
      expect.objectContaining({ state: "achieved", startedAt: utc("2026-12-07T10:00+01:00"), completedAt: utc("2026-12-07T10:20+01:00"), minutesEarly: 10 }),
      expect.objectContaining({ state: "breached", startedAt: utc("2026-12-07T11:00+01:00"), breachedAt: utc("2026-12-07T11:30+01:00"), minutesLate: 15 }),
    ]);
    expect(summary(result.nextReply.current)).toMatchObject({
      state: "running",
      startedAt: utc("2026-12-07T16:50+01:00"),
      elapsedMinutes: 20,
      dueAt: utc("2026-12-08T09:20+01:00"),
    });
  });

  it("does not start before the first reply", () => {
    const result = sla(
      { firstReply: 60, nextReply: 30 },
      [created("2026-12-07T09:00+01:00"), customerWrites("2026-12-07T09:05+01:00")],
      "2026-12-07T09:30+01:00",
    );
    expect(result.nextReply).toEqual({ current: null, cycles: [] });
  });
});

describe("policy changes", () => {
  it("gives a running clock the new target with its start and elapsed time kept", () => {
    // First reply 240 from Mon 09:00; at 10:00 (60 used) the ticket becomes urgent: 90 min, so due 10:30.
    const result = sla(
      { firstReply: 240 },
      [created("2026-12-07T09:00+01:00"), policyChanged("2026-12-07T10:00+01:00", { firstReply: 90 })],
      "2026-12-07T10:15+01:00",
    );
    expect(summary(result.firstReply)).toMatchObject({ state: "running", startedAt: utc("2026-12-07T09:00+01:00"), dueAt: utc("2026-12-07T10:30+01:00") });
    expect(result.firstReply?.targetMinutes).toBe(90);
  });

  it("breaches at the instant the new, shorter target was reached, even before the change", () => {
    // 240 min target; at 11:00 (120 used) it becomes 60: the 60th minute was at 10:00.
    const result = sla(
      { firstReply: 240 },
      [created("2026-12-07T09:00+01:00"), policyChanged("2026-12-07T11:00+01:00", { firstReply: 60 })],
      "2026-12-07T11:05+01:00",
    );
    expect(summary(result.firstReply)).toMatchObject({ state: "breached", breachedAt: utc("2026-12-07T10:00+01:00"), minutesLate: 65 });
  });

  it("keeps verdicts already reached", () => {
    // Breached at 09:30 under a 30 min target; raising it to 240 at 10:00 does not undo the breach.
    const breached = sla(
      { firstReply: 30 },
      [created("2026-12-07T09:00+01:00"), policyChanged("2026-12-07T10:00+01:00", { firstReply: 240 }), agentReplies("2026-12-07T10:30+01:00")],
      "2026-12-07T12:00+01:00",
    );
    expect(summary(breached.firstReply)).toMatchObject({ state: "breached", breachedAt: utc("2026-12-07T09:30+01:00"), minutesLate: 60 });
    expect(breached.firstReply?.targetMinutes).toBe(240);
    // Achieved at 09:20 under 30 min; a 10 min target from 10:00 on leaves it achieved, judged by its own target.
    const achieved = sla(
      { firstReply: 30 },
      [created("2026-12-07T09:00+01:00"), agentReplies("2026-12-07T09:20+01:00"), policyChanged("2026-12-07T10:00+01:00", { firstReply: 10 })],
      "2026-12-07T12:00+01:00",
    );
    expect(achieved.firstReply).toMatchObject({ state: "achieved", targetMinutes: 30, minutesEarly: 10 });
  });

  it("switches the clock from the change on", () => {
    // Resolution 120 in business hours from Fri 16:00; at 16:30 (30 used) the policy measures calendar hours:
    // 90 calendar minutes from 16:30 = Fri 18:00 (instead of Mon 10:30 in business hours).
    const result = sla(
      { resolution: 120 },
      [created("2026-12-04T16:00+01:00"), policyChanged("2026-12-04T16:30+01:00", { resolution: 120 }, calendarClock())],
      "2026-12-04T17:30+01:00",
    );
    expect(summary(result.resolution)).toMatchObject({ state: "running", elapsedMinutes: 90, dueAt: utc("2026-12-04T18:00+01:00") });
  });

  it("drops a metric whose target the new policy removes", () => {
    const result = sla(
      { firstReply: 60, resolution: 480 },
      [created("2026-12-07T09:00+01:00"), policyChanged("2026-12-07T09:10+01:00", { resolution: 480 })],
      "2026-12-07T09:30+01:00",
    );
    expect(result.firstReply).toBeNull();
    expect(result.resolution?.state).toBe("running");
  });
});

describe("long targets, calendar hours and DST", () => {
  it("computes a 30-day business-hours target", () => {
    // 43,200 min = 90 business days of 480 min; from Mon 2026-01-05 09:00 that ends Fri 2026-05-08 17:00 CEST.
    const result = sla({ resolution: 43_200 }, [created("2026-01-05T09:00+01:00")], "2026-01-05T10:00+01:00");
    expect(result.resolution?.dueAt?.toISOString()).toBe(utc("2026-05-08T17:00+02:00"));
  });

  it("counts calendar hours in real time across the spring-forward night", () => {
    // 1,440 calendar minutes from Sat 2026-03-28 12:00 CET (11:00Z) is 11:00Z Sunday = 13:00 CEST.
    const result = sla({ firstReply: 1440 }, [created("2026-03-28T12:00+01:00")], "2026-03-28T13:00+01:00", calendarClock());
    expect(result.firstReply?.dueAt?.toISOString()).toBe(utc("2026-03-29T13:00+02:00"));
  });
});

describe("next breach", () => {
  it("is the earliest due time among running clocks, and the warning comes before it", () => {
    // First reply due 10:00, resolution due 13:00 (240 min from 09:00).
    const early = sla({ firstReply: 60, resolution: 240 }, [created("2026-12-07T09:00+01:00")], "2026-12-07T09:30+01:00");
    expect(nextBreach(early)).toEqual({ metric: "firstReply", dueAt: at("2026-12-07T10:00+01:00") });
    expect(breachWarningAt(early, 15)).toEqual(at("2026-12-07T09:45+01:00"));
    // Once the first reply is breached it no longer "breaches next"; resolution does.
    const later = sla({ firstReply: 60, resolution: 240 }, [created("2026-12-07T09:00+01:00")], "2026-12-07T10:30+01:00");
    expect(nextBreach(later)).toEqual({ metric: "resolution", dueAt: at("2026-12-07T13:00+01:00") });
    // Paused and stopped clocks never breach next.
    const paused = sla(
      { resolution: 240 },
      [created("2026-12-07T09:00+01:00"), statusChanged("2026-12-07T09:10+01:00", status.pending)],
      "2026-12-07T10:30+01:00",
    );
    expect(nextBreachAt(paused)).toBeNull();
    expect(breachWarningAt(paused, 15)).toBeNull();
  });
});

describe("input checks", () => {
  it("refuses histories and targets it cannot judge", () => {
    expect(() => sla({}, [agentReplies("2026-12-07T09:00+01:00")], "2026-12-07T10:00+01:00")).toThrow(RangeError);
    expect(() =>
      sla({}, [created("2026-12-07T09:00+01:00"), agentReplies("2026-12-07T10:00+01:00"), customerWrites("2026-12-07T09:30+01:00")], "2026-12-07T11:00+01:00"),
    ).toThrow(RangeError);
    expect(() => sla({ firstReply: 0 }, [created("2026-12-07T09:00+01:00")], "2026-12-07T10:00+01:00")).toThrow(RangeError);
    // `now` before the ticket existed.
    expect(() => sla({}, [created("2026-12-07T09:00+01:00")], "2026-12-07T08:00+01:00")).toThrow(RangeError);
  });
});

describe("restart independence", () => {
  const history = [
    created("2026-12-04T16:00+01:00"),
    agentReplies("2026-12-07T09:30+01:00"),
    customerWrites("2026-12-07T10:00+01:00"),
    statusChanged("2026-12-07T10:05+01:00", status.pending),
    agentReplies("2026-12-07T11:00+01:00"),
    statusChanged("2026-12-08T09:00+01:00", status.solved),
  ];
  const targets = { firstReply: 60, nextReply: 30, resolution: 480 };

  it("gives the same verdicts for the same completed history whenever it is computed", () => {
    const results = ["2026-12-08T09:00+01:00", "2026-12-08T17:00+01:00", "2027-06-01T00:00Z"].map((now) => sla(targets, history, now));
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    // First reply: Fri 16:00 + 60 = due Fri 17:00; replied Mon 09:30 → breached. Next reply 10:00–11:00 > 30 → breached.
    expect(results[0]!.firstReply?.state).toBe("breached");
    expect(results[0]!.nextReply.cycles.map((cycle) => cycle.state)).toEqual(["breached"]);
    // Resolution: Fri 16–17 (60) + Mon 09:00–10:05 (65), paused from then on: achieved, 355 early.
    expect(results[0]!.resolution).toMatchObject({ state: "achieved", elapsedMinutes: 125, minutesEarly: 355 });
  });

  const statuses = Object.values(status);
  const eventArbitrary = fc.oneof(
    fc.constant({ type: "customer_message" as const }),
    fc.constant({ type: "agent_public_reply" as const }),
    fc.constantFrom(...statuses).map((next) => ({ type: "status_changed" as const, status: next })),
    fc
      .record({ firstReply: fc.integer({ min: 1, max: 600 }), nextReply: fc.integer({ min: 1, max: 600 }), resolution: fc.integer({ min: 1, max: 6000 }) })
      .map((next) => ({
        type: "policy_changed" as const,
        targets: next,
      })),
  );
  const historyArbitrary = fc.record({
    start: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 1) }),
    initial: fc.constantFrom(...statuses.filter((s) => s.category !== "solved" && s.category !== "closed")),
    steps: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 86_400_000 }), eventArbitrary), { maxLength: 12 }),
  });
  type HistoryShape = typeof historyArbitrary extends fc.Arbitrary<infer T> ? T : never;
  const toEvents = ({ start, initial, steps }: HistoryShape) => {
    const events: SlaEvent[] = [{ type: "ticket_created", at: new Date(start), status: initial }];
    let time = start;
    for (const [gap, event] of steps) {
      time += gap;
      events.push({ ...event, at: new Date(time) });
    }
    return events;
  };
  const metricsOf = (result: SlaResult) => [result.firstReply, result.resolution, ...result.nextReply.cycles];

  it("never takes back a breach as more of the history arrives", () => {
    fc.assert(
      fc.property(historyArbitrary, fc.nat(), fc.integer({ min: 0, max: 86_400_000 }), (shape, cutAt, pastCut) => {
        const events = toEvents(shape);
        const cut = events[cutAt % events.length]!.at.getTime() + pastCut;
        const lastMs = events[events.length - 1]!.at.getTime();
        const input = { clock: nineToFive, targets: { firstReply: 120, nextReply: 60, resolution: 960 }, events };
        const early = computeSlaClocks({ ...input, now: new Date(cut) });
        const complete = computeSlaClocks({ ...input, now: new Date(Math.max(cut, lastMs)) });
        metricsOf(early).forEach((metric, index) => {
          if (metric?.state === "breached") expect(metricsOf(complete)[index]?.breachedAt).toEqual(metric.breachedAt);
        });
      }),
      { seed: 20_261_202, numRuns: 300 },
    );
  });

  it("finds a running clock breached exactly at the due time it predicted, when nothing happens before it", () => {
    fc.assert(
      fc.property(historyArbitrary, fc.integer({ min: 0, max: 10 * 86_400_000 }), (shape, extra) => {
        const events = toEvents(shape);
        const lastMs = events[events.length - 1]!.at.getTime();
        const input = { clock: nineToFive, targets: { firstReply: 120, nextReply: 60, resolution: 960 }, events };
        const next = nextBreach(computeSlaClocks({ ...input, now: new Date(lastMs) }));
        fc.pre(next !== null && next.dueAt.getTime() < lastMs + extra);
        const after = computeSlaClocks({ ...input, now: new Date(lastMs + extra) });
        const metric = next!.metric === "nextReply" ? after.nextReply.current : after[next!.metric];
        expect(metric?.state).toBe("breached");
        expect(metric?.breachedAt).toEqual(next!.dueAt);
      }),
      { seed: 20_261_202, numRuns: 300 },
    );
  });

  it("judges stopped clocks the same whatever the time of computation", () => {
    fc.assert(
      fc.property(historyArbitrary, fc.integer({ min: 1, max: 400 * 86_400_000 }), (shape, extra) => {
        const events = toEvents(shape);
        const lastMs = events[events.length - 1]!.at.getTime();
        const input = { clock: nineToFive, targets: { firstReply: 120, nextReply: 60, resolution: 960 }, events };
        const now = computeSlaClocks({ ...input, now: new Date(lastMs) });
        const later = computeSlaClocks({ ...input, now: new Date(lastMs + extra) });
        metricsOf(now).forEach((metric, index) => {
          if (metric?.phase === "stopped") expect(metricsOf(later)[index]).toEqual(metric);
        });
      }),
      { seed: 20_261_202, numRuns: 300 },
    );
  });
});
