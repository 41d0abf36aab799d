/**
 * Background work every instance runs on a timer (the order sweeper, the job runner): never two
 * runs at once, a failed run logged and tried again at the next interval, and a stop that waits
 * for the run in progress (the server stops these before it closes the database).
 */
export class Periodic {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return; // the previous run is still going
      this.#running = this.run()
        .then(() => undefined, this.onError)
        .finally(() => (this.#running = null));
    }, intervalMs);
    this.#timer.unref(); // never what keeps a process alive
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
