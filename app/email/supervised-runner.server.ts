import { EventEmitter } from "node:events";
import type { Runner, WorkerEvents } from "graphile-worker";
import type pg from "pg";
import type { Logger } from "pino";

export type RunnerBackoff = {
  minDelayMs: number;
  maxDelayMs: number;
  /** A runner that ran this long restarts from minDelayMs again. */ healthyAfterMs: number;
};

const DEFAULT_BACKOFF: RunnerBackoff = { minDelayMs: 1000, maxDelayMs: 30_000, healthyAfterMs: 60_000 };

export type SupervisedRunner = {
  /** Stops the current runner (its running jobs finish) and starts no other. */
  stop(): Promise<void>;
};

/**
 * Keeps one graphile-worker runner going for as long as the process wants it. A runner shuts
 * itself down when the database fails under it at certain moments (recording a job as completed or
 * failed, a worker exiting early); its promise then settles, and without this the process would
 * live on with nobody sending email or processing inbound mail. A new runner starts
 * after a backoff (doubling from minDelayMs to maxDelayMs), and first unlocks the jobs the dead one
 * still held, which would otherwise wait out graphile-worker's 4-hour lock.
 *
 * The first start is awaited and throws, so a configuration error still stops start-up.
 */
export async function superviseRunner(
  start: (events: WorkerEvents) => Promise<Runner>,
  { pool, log, backoff = DEFAULT_BACKOFF }: { pool: pg.Pool; log: Pick<Logger, "info" | "warn" | "error">; backoff?: RunnerBackoff },
): Promise<SupervisedRunner> {
  let current: Runner | null = null;
  let stopping = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  let restarting: Promise<void> | null = null;
  /** Worker pool ids of runners that ended; their job locks are released before the next runner starts. */
  const deadPoolIds = new Set<string>();

  const launch = async (): Promise<void> => {
    const events: WorkerEvents = new EventEmitter();
    const poolIds: string[] = [];
    events.on("pool:create", ({ workerPool }) => poolIds.push(workerPool.id));
    const runner = await start(events);
    const startedAt = Date.now();
    current = runner;
    // graphile-worker resolves (not rejects) this promise when its worker pool gave up after an error.
    runner.promise.then(
      () => ended(null),
      (error: unknown) => ended(error),
    );
    function ended(error: unknown) {
      if (current === runner) current = null;
      for (const id of poolIds) deadPoolIds.add(id);
      if (stopping) return;
      if (Date.now() - startedAt >= backoff.healthyAfterMs) failures = 0;
      const delay = scheduleRestart();
      // graphile-worker has logged why.
      log.error(error ? { err: error } : {}, `the job runner stopped; starting a new one in ${delay} ms`);
    }
  };

  const scheduleRestart = (): number => {
    const delay = Math.min(backoff.maxDelayMs, backoff.minDelayMs * 2 ** failures);
    failures += 1;
    restartTimer = setTimeout(() => {
      restartTimer = null;
      restarting = restart().finally(() => (restarting = null));
    }, delay);
    return delay;
  };

  const restart = async (): Promise<void> => {
    if (stopping) return;
    try {
      if (deadPoolIds.size > 0) {
        await pool.query("SELECT graphile_worker.force_unlock_workers($1::text[])", [[...deadPoolIds]]);
        deadPoolIds.clear();
      }
      await launch();
      if (stopping) return; // stop() waited for this restart and stops the runner it made
      log.info("the job runner is running again");
    } catch (error) {
      if (stopping) return;
      const delay = scheduleRestart();
      log.warn({ err: error }, `the job runner could not start; trying again in ${delay} ms`);
    }
  };

  await launch();
  return {
    stop: async () => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      await restarting;
      const runner = current;
      if (!runner) return;
      // It may be stopping by itself already, which makes stop() reject; either way, wait for the end.
      await runner.stop().catch((error: unknown) => log.info({ err: error }, "the job runner was already stopping"));
      await runner.promise.catch((error: unknown) => log.warn({ err: error }, "the job runner ended with an error while stopping"));
    },
  };
}
