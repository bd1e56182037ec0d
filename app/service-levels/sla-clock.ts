import type { StatusCategory } from "../../db/tenant-enums";
import { addBusinessMs, businessMsBetween, type BusinessClock } from "./business-time";

/**
 * SLA verdicts computed from a ticket's event history alone, never from when someone looked: the
 * same events give the same verdicts, so a restart, a late job or a re-run never changes them.
 * Pure (no I/O); safe to import in the browser.
 *
 * The three clocks:
 * - first reply runs from the ticket's creation to the first agent public reply;
 * - next reply runs, once the first reply clock has stopped, from a customer message (when none is
 *   running) to the next agent public reply; each run is a cycle with its own verdict;
 * - resolution runs from creation to solved/closed, paused while the status pauses resolution.
 *   Reopening (solved or closed → any other category) resumes it where it stopped, with its elapsed
 *   time kept, under the targets in force at the reopen; a breach stays a breach, and an achieved
 *   verdict is given again only when the ticket is next solved.
 * Solved and closed stop every running clock; a clock stopped by a solve is judged like one stopped
 * by a reply (achieved when within target). A customer message while the ticket is solved or closed
 * starts a next-reply cycle when the ticket is reopened, at the reopen (solved time never counts).
 * Reply clocks never pause.
 *
 * Minutes are measured on the clock (business or calendar) of the policy in force at each moment.
 * A target is reached when its elapsed minutes equal it; it is breached when the clock is still
 * going, or stops, at any instant after that (due Fri 17:00 on 09–17 hours and replied Saturday is
 * a breach). A policy change gives running clocks the new targets (their start and elapsed time
 * stay), keeps verdicts already reached, and switches the clock from then on.
 */

/** What the SLA needs to know of a (tenant-defined) status. */
export interface StatusBehaviour {
  category: StatusCategory;
  pausesResolution: boolean;
}

/** Targets in minutes; an absent target means the metric has no SLA. */
export interface SlaTargets {
  firstReply?: number;
  nextReply?: number;
  resolution?: number;
}

export type SlaEvent =
  | { type: "ticket_created"; at: Date; status: StatusBehaviour }
  | { type: "status_changed"; at: Date; status: StatusBehaviour }
  | { type: "customer_message"; at: Date }
  | { type: "agent_public_reply"; at: Date }
  /** New targets from `at` on; `clock` absent keeps the current one. */
  | { type: "policy_changed"; at: Date; targets: SlaTargets; clock?: BusinessClock };

export interface SlaInput {
  /** The clock and targets of the policy that applied when the ticket was created. */
  clock: BusinessClock;
  targets: SlaTargets;
  /** In time order (ties keep their order); the first is `ticket_created`. Events after `now` are ignored. */
  events: readonly SlaEvent[];
  now: Date;
}

export type SlaMetric = keyof SlaTargets;

/** `breached` covers both a clock that stopped late and one still running past its due time (see `phase`). */
export type SlaState = "running" | "paused" | "achieved" | "breached";

export interface SlaMetricResult {
  metric: SlaMetric;
  /** For next reply, which cycle (0, 1, … in the order the customer waited); 0 for the other metrics. */
  cycle: number;
  state: SlaState;
  /** Whether the clock itself still runs, independent of the verdict. */
  phase: "running" | "paused" | "stopped";
  targetMinutes: number;
  startedAt: Date;
  /** Minutes counted on the clock so far (paused and solved time excluded); may be fractional. */
  elapsedMinutes: number;
  /**
   * When the target falls due: for a running clock the instant it will pass (null when the schedule
   * has no open time ahead), for a breached clock the breach instant; null for paused and achieved clocks.
   */
  dueAt: Date | null;
  /** Business minutes left until the target while the clock is running or paused (0 once passed); null once stopped. */
  remainingMinutes: number | null;
  completedAt: Date | null;
  /** The due instant that passed; stays set once breached, even if the target later grows. */
  breachedAt: Date | null;
  /** Achieved only: whole minutes on the clock that were left of the target. */
  minutesEarly: number | null;
  /** Breached only: minutes of real time from the breach to the stop (or to `now` while unstopped), rounded up. */
  minutesLate: number | null;
}

export interface NextReplyResult {
  /** The unanswered cycle, if any. */
  current: SlaMetricResult | null;
  /** Finished cycles, oldest first. */
  cycles: SlaMetricResult[];
}

/** A metric is null while (or, once stopped, when) it has no target. */
export interface SlaResult {
  firstReply: SlaMetricResult | null;
  nextReply: NextReplyResult;
  resolution: SlaMetricResult | null;
}

const MINUTE_MS = 60_000;
const STOPPING_CATEGORIES: ReadonlySet<StatusCategory> = new Set(["solved", "closed"]);

interface CountedSegment {
  fromMs: number;
  clock: BusinessClock;
  elapsedMs: number;
}

interface Tracker {
  metric: SlaMetric;
  startedAtMs: number;
  phase: "running" | "paused" | "stopped";
  targetMs: number | null;
  elapsedMs: number;
  /** The instant up to which elapsed time has been counted. */
  countedToMs: number;
  segments: CountedSegment[];
  breachedAtMs: number | null;
  completedAtMs: number | null;
  /** Which next-reply cycle this is (0, 1, …), counting those without a target too; 0 for the other metrics. */
  cycle: number;
}

export function computeSlaClocks(input: SlaInput): SlaResult {
  const nowMs = input.now.getTime();
  const events = input.events.filter((event) => event.at.getTime() <= nowMs);
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.at.getTime() < events[i - 1]!.at.getTime()) throw new RangeError("SLA events must be in time order");
  }
  const created = events[0];
  if (created?.type !== "ticket_created") throw new RangeError("The first SLA event must be ticket_created, at or before now");
  if (events.slice(1).some((event) => event.type === "ticket_created")) throw new RangeError("A ticket is created only once");

  let clock = input.clock;
  let targets = validTargets(input.targets);
  let category: StatusCategory = created.status.category;
  const createdMs = created.at.getTime();
  const firstReply = newTracker("firstReply", createdMs, targets);
  const resolution = newTracker("resolution", createdMs, targets);
  let nextReply: Tracker | null = null;
  let cyclesStarted = 0;
  const newCycle = (atMs: number) => ({ ...newTracker("nextReply", atMs, targets), cycle: cyclesStarted++ });
  const finishedCycles: Tracker[] = [];
  let customerWaitsForReopen = false;

  const active = () => [firstReply, resolution, ...(nextReply ? [nextReply] : [])];
  const stopReplyCycle = (atMs: number) => {
    if (!nextReply) return;
    stop(nextReply, atMs);
    finishedCycles.push(nextReply);
    nextReply = null;
  };

  if (STOPPING_CATEGORIES.has(category)) {
    stop(firstReply, createdMs);
    stop(resolution, createdMs);
  } else if (created.status.pausesResolution) {
    resolution.phase = "paused";
  }

  for (const event of events.slice(1)) {
    const atMs = event.at.getTime();
    for (const tracker of active()) advance(tracker, atMs, clock);

    switch (event.type) {
      case "status_changed": {
        const wasStopped = STOPPING_CATEGORIES.has(category);
        category = event.status.category;
        if (STOPPING_CATEGORIES.has(category)) {
          stop(firstReply, atMs);
          stop(resolution, atMs);
          stopReplyCycle(atMs);
          break;
        }
        if (wasStopped) {
          resolution.completedAtMs = null;
          resolution.targetMs = targetMsOf(targets, "resolution");
          if (customerWaitsForReopen && !nextReply) nextReply = newCycle(atMs);
          customerWaitsForReopen = false;
        }
        resolution.phase = event.status.pausesResolution ? "paused" : "running";
        break;
      }
      case "customer_message":
        if (firstReply.phase !== "stopped") break;
        if (STOPPING_CATEGORIES.has(category)) customerWaitsForReopen = true;
        else if (!nextReply) nextReply = newCycle(atMs);
        break;
      case "agent_public_reply":
        stop(firstReply, atMs);
        stopReplyCycle(atMs);
        customerWaitsForReopen = false;
        break;
      case "policy_changed":
        targets = validTargets(event.targets);
        clock = event.clock ?? clock;
        for (const tracker of active()) {
          if (tracker.phase === "stopped") continue;
          const targetMs = targetMsOf(targets, tracker.metric);
          if (targetMs !== null || tracker.breachedAtMs === null) tracker.targetMs = targetMs;
          // A breach stays on record when its target goes (a lower priority, another policy): the clock stops there, judged.
          else if (tracker === nextReply) stopReplyCycle(atMs);
          else stop(tracker, atMs);
        }
        break;
      case "ticket_created":
        break;
    }
  }

  for (const tracker of active()) advance(tracker, nowMs, clock);
  const resultOf = (tracker: Tracker) => metricResult(tracker, clock, nowMs);
  return {
    firstReply: resultOf(firstReply),
    nextReply: {
      current: nextReply ? resultOf(nextReply) : null,
      cycles: finishedCycles.map(resultOf).filter((cycle): cycle is SlaMetricResult => cycle !== null),
    },
    resolution: resultOf(resolution),
  };
}

/** The running clock that falls due first (for "next breach first" and the breach job), or null. */
export function nextBreach(result: SlaResult): { metric: SlaMetric; dueAt: Date } | null {
  let next: { metric: SlaMetric; dueAt: Date } | null = null;
  for (const metric of [result.firstReply, result.nextReply.current, result.resolution]) {
    if (metric?.state !== "running" || !metric.dueAt) continue;
    if (!next || metric.dueAt.getTime() < next.dueAt.getTime()) next = { metric: metric.metric, dueAt: metric.dueAt };
  }
  return next;
}

export function nextBreachAt(result: SlaResult): Date | null {
  return nextBreach(result)?.dueAt ?? null;
}

/** When to warn that the next breach is `warnBeforeMinutes` of real time away (may already be past), or null. */
export function breachWarningAt(result: SlaResult, warnBeforeMinutes: number): Date | null {
  const dueAt = nextBreachAt(result);
  return dueAt ? new Date(dueAt.getTime() - warnBeforeMinutes * MINUTE_MS) : null;
}

function validTargets(targets: SlaTargets): SlaTargets {
  for (const [metric, minutes] of Object.entries(targets)) {
    if (minutes !== undefined && !(Number.isFinite(minutes) && minutes > 0)) throw new RangeError(`The ${metric} target must be a positive number of minutes`);
  }
  return targets;
}

function targetMsOf(targets: SlaTargets, metric: SlaMetric): number | null {
  const minutes = targets[metric];
  return minutes === undefined ? null : Math.round(minutes * MINUTE_MS);
}

function newTracker(metric: SlaMetric, startedAtMs: number, targets: SlaTargets): Tracker {
  return {
    metric,
    startedAtMs,
    phase: "running",
    targetMs: targetMsOf(targets, metric),
    elapsedMs: 0,
    countedToMs: startedAtMs,
    segments: [],
    breachedAtMs: null,
    completedAtMs: null,
    cycle: 0,
  };
}

/** Counts the clock's time up to `toMs`, and records a breach whose due instant passed before it. */
function advance(tracker: Tracker, toMs: number, clock: BusinessClock): void {
  if (tracker.phase === "running" && toMs > tracker.countedToMs) {
    const elapsedMs = businessMsBetween(clock, tracker.countedToMs, toMs);
    if (elapsedMs > 0) tracker.segments.push({ fromMs: tracker.countedToMs, clock, elapsedMs });
    tracker.elapsedMs += elapsedMs;
  }
  tracker.countedToMs = Math.max(tracker.countedToMs, toMs);
  if (tracker.phase !== "stopped" && tracker.breachedAtMs === null && tracker.targetMs !== null) {
    const dueMs = instantElapsedReached(tracker, tracker.targetMs);
    if (dueMs !== null && dueMs < toMs) tracker.breachedAtMs = dueMs;
  }
}

function stop(tracker: Tracker, atMs: number): void {
  if (tracker.phase === "stopped") return;
  tracker.phase = "stopped";
  tracker.completedAtMs = atMs;
}

/** The earliest instant at which the counted time reached `elapsedMs`, or null if it has not yet. */
function instantElapsedReached(tracker: Tracker, elapsedMs: number): number | null {
  if (tracker.elapsedMs < elapsedMs) return null;
  let counted = 0;
  for (const segment of tracker.segments) {
    if (counted + segment.elapsedMs >= elapsedMs) return addBusinessMs(segment.clock, segment.fromMs, elapsedMs - counted);
    counted += segment.elapsedMs;
  }
  return tracker.startedAtMs;
}

function metricResult(tracker: Tracker, clock: BusinessClock, nowMs: number): SlaMetricResult | null {
  if (tracker.targetMs === null) return null;
  const { targetMs, elapsedMs, breachedAtMs, completedAtMs, phase } = tracker;
  const breached = breachedAtMs !== null;
  const stopped = phase === "stopped";
  let dueMs: number | null = breachedAtMs;
  if (!breached && phase === "running") dueMs = instantElapsedReached(tracker, targetMs) ?? addBusinessMs(clock, tracker.countedToMs, targetMs - elapsedMs);
  return {
    metric: tracker.metric,
    cycle: tracker.cycle,
    state: breached ? "breached" : stopped ? "achieved" : phase,
    phase,
    targetMinutes: targetMs / MINUTE_MS,
    startedAt: new Date(tracker.startedAtMs),
    elapsedMinutes: elapsedMs / MINUTE_MS,
    dueAt: dueMs === null ? null : new Date(dueMs),
    remainingMinutes: stopped ? null : Math.max(0, targetMs - elapsedMs) / MINUTE_MS,
    completedAt: completedAtMs === null ? null : new Date(completedAtMs),
    breachedAt: breached ? new Date(breachedAtMs) : null,
    minutesEarly: !breached && stopped ? Math.floor((targetMs - elapsedMs) / MINUTE_MS) : null,
    minutesLate: breached ? Math.ceil(((completedAtMs ?? nowMs) - breachedAtMs) / MINUTE_MS) : null,
  };
}
