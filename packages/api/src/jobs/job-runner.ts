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
import { Periodic } from '../periodic';
import { claimDueJobs, finishJob, releaseClaimedJob, retryJobAt, startClaimedJob, type Json } from './job-queue';

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
  readonly #periodic = new Periodic(
    (signal) => this.runDue(20, signal),
    (error) => this.#options.logger.warn({ err: error }, 'job run failed; retrying at the next interval'),
  );

  constructor(options: JobRunnerOptions) {
    this.#options = { maxAttempts: 5, leaseMs: 60_000, retryBaseMs: 60_000, ...options };
  }

  /**
   * Runs the jobs due now (a batch of `batchSize`); resolves to how many it claimed. When `signal`
   * aborts (a shutdown), the job under way finishes and the rest of the batch is handed back at
   * once, for another instance, rather than waiting out its lease.
   */
  async runDue(batchSize = 20, signal?: AbortSignal): Promise<number> {
    const { db, clock, logger, handlers, maxAttempts, leaseMs, retryBaseMs } = this.#options;
    const jobs = await claimDueJobs(db, clock.now(), leaseMs, batchSize);
    for (const job of jobs) {
      if (signal?.aborted) {
        await releaseClaimedJob(db, job, clock.now());
        continue;
      }
      const handler = handlers[job.kind];
      const log = logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
      // The jobs of a batch run one after another: a slow WeChat can outlast a later job's lease,
      // and another instance then claims it. It is that one's now: not run here a second time.
      if (!(await startClaimedJob(db, job, clock.now(), leaseMs))) {
        log.info('job claimed by another instance after its lease ran out; left to it');
        continue;
      }
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
    return jobs.length;
  }

  start(intervalMs: number): void {
    this.#periodic.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.#periodic.stop();
  }
}
