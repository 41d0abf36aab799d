/**
 * Background work every instance runs on a timer (the order sweeper, the job runner, the session
 * sweeper): never two runs at once, a failed run logged and tried again at the next interval, and
 * a stop that waits for the run in progress (the server stops these before it closes the
 * database). The run is told of the stop (its signal aborts), so that one working through a
 * backlog ends after its current unit of work, within a shutdown's time, not after all of it.
 */
export class Periodic {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopping = new AbortController();

  constructor(
    private readonly run: (signal: AbortSignal) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  #tick(): void {
    if (this.#running) return; // the previous run is still going
    this.#running = this.run(this.#stopping.signal)
      .then(() => undefined, this.onError)
      .finally(() => (this.#running = null));
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
