/**
 * The job runner's claims on both databases: a job whose lease ran out while it ran is another
 * instance's once claimed there (its outcome not overwritten by the late first run), a stop claims
 * no further job, and a kind this version has no handler for waits for one that has.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob, type Json } from '../src/jobs/job-queue';
import { JobRunner, PermanentJobError, type JobHandler } from '../src/jobs/job-runner';
import { dialects, type TestDatabase } from './support/databases';
import { testClock } from './support/services';

const LEASE_MS = 1_000;

describe.each(dialects)('durable jobs on %s', (_dialect, createTestDatabase) => {
  let testDb: TestDatabase;
  const clock = testClock();

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.destroy());

  const runner = (handlers: Record<string, JobHandler>) =>
    new JobRunner({ db: testDb.db, clock, logger: pino({ level: 'silent' }), handlers, leaseMs: LEASE_MS, retryBaseMs: 60_000 });
  const jobsOf = (kind: string) => testDb.db.selectFrom('jobs').selectAll().where('kind', '=', kind).orderBy('id').execute();

  it('leaves a job whose lease ran out to the instance that claimed it since: its outcome stands, and the next job runs once', async () => {
    const runs: Json[] = [];
    let other: JobRunner | null = null;
    const handlers: Record<string, JobHandler> = {
      slow: async (payload) => {
        runs.push(payload);
        // The first job's first run outlasts its lease (WeChat slow), and meanwhile another instance
        // runs what is due: the next job, and the first one again, which fails there for good.
        const firstJobRuns = runs.filter((run) => JSON.stringify(run) === '{"n":1}').length;
        if (JSON.stringify(payload) !== '{"n":1}') return;
        if (firstJobRuns === 1) {
          clock.advance(LEASE_MS + 1);
          await other?.runDue();
        } else {
          throw new PermanentJobError('refused the second time');
        }
      },
    };
    other = runner(handlers);
    await enqueueJob(testDb.db, 'slow', { n: 1 }, clock.now());
    await enqueueJob(testDb.db, 'slow', { n: 2 }, clock.now());

    // This instance ran only the first (the other had done the second by then).
    expect(await runner(handlers).runDue()).toBe(1);
    expect(runs.filter((payload) => JSON.stringify(payload) === '{"n":2}')).toHaveLength(1);
    // The first job's late success here does not overwrite the other instance's verdict.
    expect((await jobsOf('slow')).map((job) => [job.status, job.attempts])).toEqual([
      ['FAILED', 2],
      ['DONE', 1],
    ]);
  });

  it('stopping (a shutdown) finishes the job under way and claims no other', async () => {
    const stop = new AbortController();
    const ran: Json[] = [];
    const handlers: Record<string, JobHandler> = {
      stoppable: (payload) => {
        ran.push(payload);
        stop.abort(); // the shutdown comes while the first job runs
        return Promise.resolve();
      },
    };
    for (const n of [1, 2, 3]) await enqueueJob(testDb.db, 'stoppable', { n }, clock.now());
    expect(await runner(handlers).runDue(20, stop.signal)).toBe(1);
    expect(ran).toEqual([{ n: 1 }]);
    expect((await jobsOf('stoppable')).map((job) => [job.status, job.attempts, job.run_at.getTime()])).toEqual([
      ['DONE', 1, clock.now().getTime() + LEASE_MS],
      ['PENDING', 0, clock.now().getTime()],
      ['PENDING', 0, clock.now().getTime()],
    ]);
    // Still due now, never claimed: the next run (here, or another instance's) takes them.
    await runner(handlers).runDue();
    expect(ran).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('tries a kind this version has no handler for again later, and the version that knows it runs it', async () => {
    await enqueueJob(testDb.db, 'newer-kind', { n: 3 }, clock.now());
    await runner({}).runDue();
    let [job] = await jobsOf('newer-kind');
    expect([job?.status, job?.attempts]).toEqual(['PENDING', 1]);
    expect(job?.last_error).toContain('no handler for job kind newer-kind');

    const ran: Json[] = [];
    clock.advance(60_000);
    await runner({ 'newer-kind': (payload) => Promise.resolve(void ran.push(payload)) }).runDue();
    [job] = await jobsOf('newer-kind');
    expect(ran).toEqual([{ n: 3 }]);
    expect([job?.status, job?.attempts]).toEqual(['DONE', 2]);
  });
});
