/**
 * Runs the durable jobs of job-queue.ts in every instance: claims what is due every interval,
 * runs each with its kind's handler outside any transaction, then marks it done, schedules a
 * retry (1 min, 2 min, 4 min … up to `maxAttempts`), or gives it up when the handler says a retry
 * cannot help (PermanentJobError).
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { Database } from '../db/schema';
import { Periodic, periodicLog } from '../periodic';
import { claimDueJobs, finishJob, retryJobAt, type Json } from './job-queue';

/** A failure that running the job again would only repeat (e.g. the user refused the message). */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

export type JobHandler = (payload: Json) => Promise<void>;

export interface JobRunnerOptions {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  handlers: Readonly<Record<string, JobHandler>>;
  maxAttempts?: number;
  /** How long a claimed job is this instance's before another may run it. */
  leaseMs?: number;
  retryBaseMs?: number;
}

export class JobRunner {
  readonly #options: Required<Omit<JobRunnerOptions, 'handlers'>> & Pick<JobRunnerOptions, 'handlers'>;
  readonly #periodic: Periodic;

  constructor(options: JobRunnerOptions) {
    this.#options = { maxAttempts: 5, leaseMs: 60_000, retryBaseMs: 60_000, ...options };
    this.#periodic = new Periodic((signal) => this.runDue(20, signal), periodicLog(options.logger, 'job run'));
  }

  /**
   * Runs the jobs due now, at most `limit`, claiming each as it is about to run; resolves to how
   * many it ran. When `signal` aborts (a shutdown), the job under way finishes and no other starts.
   */
  async runDue(limit = 20, signal?: AbortSignal): Promise<number> {
    const { db, clock, logger, handlers, maxAttempts, leaseMs, retryBaseMs } = this.#options;
    let ran = 0;
    while (ran < limit && !signal?.aborted) {
      const [job] = await claimDueJobs(db, clock.now(), leaseMs, 1);
      if (!job) break;
      ran += 1;
      const handler = handlers[job.kind];
      const log = logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
      try {
        // A kind this instance does not know may be one a newer version added, during a rolling
        // deploy: tried again later (an instance that knows it will run it), not given up.
        if (!handler) throw new Error(`no handler for job kind ${job.kind} in this version`);
        await handler(JSON.parse(job.payload) as Json);
        await finishJob(db, job, 'DONE', null, clock.now());
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof PermanentJobError || job.attempts >= maxAttempts) {
          await finishJob(db, job, 'FAILED', message, clock.now());
          log.warn({ err: error }, 'job given up');
        } else {
          const runAt = new Date(clock.now().getTime() + retryBaseMs * 2 ** (job.attempts - 1));
          await retryJobAt(db, job, runAt, message, clock.now());
          log.info({ err: error, retryAt: runAt }, 'job failed; retrying later');
        }
      }
    }
    return ran;
  }

  start(intervalMs: number): void {
    this.#periodic.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.#periodic.stop();
  }
}
