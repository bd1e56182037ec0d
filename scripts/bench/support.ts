/** Small pieces the bench scripts share: cleanup on exit, progress on stderr. */

/** Cleanup steps run once, last added first: at the end, on failure, or on SIGINT/SIGTERM. */
export class Cleanup {
  private readonly steps: Array<() => Promise<void>> = [];
  private running?: Promise<void>;

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) await step().catch((error) => log(`cleanup failed: ${messageOf(error)}`));
    })();
    return this.running;
  }
}

/** Runs `cleanup` and exits 130 on SIGINT/SIGTERM; the returned function says whether that happened. */
export function cleanUpOnSignals(cleanup: Cleanup): () => boolean {
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`\n${signal}: cleaning up`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
  return () => interrupted;
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reports `done` of `total`: in place on a terminal, else the first call and each tenth passed. */
export function progress(label: string, total: number): (done: number) => void {
  let reportedTenth = -1;
  return (done) => {
    const line = `${label}: ${done.toLocaleString("en")}/${total.toLocaleString("en")}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}${done >= total ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor((done * 10) / Math.max(1, total));
    if (tenth > reportedTenth) {
      reportedTenth = tenth;
      log(line);
    }
  };
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
