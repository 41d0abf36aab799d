/**
 * Background work every instance runs on a timer (the order sweeper, the job runner, the session
 * sweeper): never two runs at once, a failed run reported and tried again at the next interval, and
 * a stop that waits for the run in progress (the server stops these before it closes the
 * database). The run is told of the stop (its signal aborts), so that one working through a
 * backlog ends after its current unit of work, within a shutdown's time, not after all of it.
 *
 * Failures in a row are one episode, as the requests' outages are (outage-log.ts): the first is
 * reported, then the same failure again only once a minute (with how many runs failed so far), a
 * different one at once, and the first run that succeeds after them says so. A database outage or
 * a table missing fails every run, and the job runner's come every two seconds.
 */
import type { Logger } from 'pino';

/** What a Periodic says of its failed runs (periodicLog makes the usual one). */
export interface PeriodicReport {
  /** A run failed (reported as above); `failedRuns`: the runs failed in a row so far, this one included. */
  failed(error: unknown, failedRuns: number): void;
  /** A run succeeded after `failedRuns` failed ones in a row. */
  recovered(failedRuns: number): void;
}

/** While runs keep failing the same way, one report per this long. */
export const REPEATED_FAILURE_REPORT_MS = 60_000;

/** Reports to the owner's logger, naming the work ('order sweep'). */
export function periodicLog(logger: Logger, work: string): PeriodicReport {
  return {
    failed: (error, failedRuns) => logger.warn({ err: error, failedRuns }, `${work} failed; retrying at the next interval`),
    recovered: (failedRuns) => logger.info({ failedRuns }, `${work} succeeded again`),
  };
}

export class Periodic {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopping = new AbortController();
  /** The failures in a row so far, and the last one reported; null after a run that succeeded. */
  #failing: { runs: number; reported: string; reportedAt: number } | null = null;

  constructor(
    private readonly run: (signal: AbortSignal) => Promise<unknown>,
    private readonly report: PeriodicReport,
  ) {}

  #tick(): void {
    if (this.#running) return; // the previous run is still going
    this.#running = this.run(this.#stopping.signal)
      .then(
        () => this.#succeeded(),
        (error: unknown) => this.#failed(error),
      )
      .finally(() => (this.#running = null));
  }

  #failed(error: unknown): void {
    const failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const failing = this.#failing;
    const runs = (failing?.runs ?? 0) + 1;
    const now = Date.now();
    if (failing && failing.reported === failure && now - failing.reportedAt < REPEATED_FAILURE_REPORT_MS) {
      failing.runs = runs;
      return;
    }
    this.#failing = { runs, reported: failure, reportedAt: now };
    this.report.failed(error, runs);
  }

  #succeeded(): void {
    if (this.#failing === null) return;
    const { runs } = this.#failing;
    this.#failing = null;
    this.report.recovered(runs);
  }

  /** Runs every `intervalMs`, the first time after `firstRunAfterMs` (default: one interval). */
  start(intervalMs: number, firstRunAfterMs = intervalMs): void {
    if (this.#timer) return;
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController();
    // Never what keeps a process alive.
    this.#timer = setTimeout(() => {
      this.#tick();
      this.#timer = setInterval(() => this.#tick(), intervalMs).unref();
    }, firstRunAfterMs).unref();
  }

  async stop(): Promise<void> {
    // clearTimeout clears an interval too: both are Node's Timeout.
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#stopping.abort();
    await this.#running;
  }
}
