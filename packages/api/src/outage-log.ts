/**
 * A dependency's outage in the log as one episode: the first failure with its error, then the
 * others only counted, then one line when it works again, with how long it was down and how many
 * failures it caused. An outage fails every request that needs the dependency: a stack per
 * request would bury everything else in the log.
 */
import type { Logger } from 'pino';

export class OutageLog {
  #since: number | null = null;
  #failures = 0;

  constructor(
    private readonly logger: Logger,
    /** As it appears in the lines: "database", "redis". */
    readonly dependency: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the last word about the dependency was a failure. */
  get down(): boolean {
    return this.#since !== null;
  }

  failed(error: unknown): void {
    this.#failures += 1;
    if (this.#since !== null) return;
    this.#since = this.now();
    this.logger.error({ err: error, dependency: this.dependency }, `${this.dependency} unavailable`);
  }

  recovered(): void {
    if (this.#since === null) return;
    this.logger.warn(
      { dependency: this.dependency, downMs: this.now() - this.#since, failures: this.#failures },
      `${this.dependency} available again`,
    );
    this.#since = null;
    this.#failures = 0;
  }
}
