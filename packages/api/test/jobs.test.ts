/**
 * The job runner's claims on both databases: a job whose lease ran out while earlier jobs of its
 * batch were running is another instance's once claimed there (run once, its outcome not
 * overwritten), and a kind this version has no handler for waits for one that has.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob, type Json } from '../src/jobs/job-queue';
import { JobRunner, type JobHandler } from '../src/jobs/job-runner';
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

  it('leaves a job to the instance that claimed it after its lease ran out in a slow batch, and keeps that outcome', async () => {
    const runs: Json[] = [];
    let other: JobRunner | null = null;
    const handlers: Record<string, JobHandler> = {
      slow: async (payload) => {
        runs.push(payload);
        // The first job outlasts the batch's leases (WeChat slow), and meanwhile another instance runs what is due.
        if (runs.length === 1) {
          clock.advance(LEASE_MS + 1);
          await other?.runDue();
        }
      },
    };
    other = runner(handlers);
    await enqueueJob(testDb.db, 'slow', { n: 1 }, clock.now());
    await enqueueJob(testDb.db, 'slow', { n: 2 }, clock.now());

    expect(await runner(handlers).runDue()).toBe(2);
    // The first job outlasted its own lease too and ran twice (at least once, as promised); the
    // second ran once, on the other instance, which claimed it.
    expect(runs.filter((payload) => JSON.stringify(payload) === '{"n":2}')).toHaveLength(1);
    expect((await jobsOf('slow')).map((job) => [job.status, job.attempts])).toEqual([
      ['DONE', 2],
      ['DONE', 2],
    ]);
  });

  it('stopping (a shutdown) finishes the job under way and hands the rest of the batch back at once', async () => {
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
    expect(await runner(handlers).runDue(20, stop.signal)).toBe(3);
    expect(ran).toEqual([{ n: 1 }]);
    expect((await jobsOf('stoppable')).map((job) => [job.status, job.attempts, job.run_at.getTime()])).toEqual([
      ['DONE', 1, clock.now().getTime() + LEASE_MS],
      ['PENDING', 0, clock.now().getTime()],
      ['PENDING', 0, clock.now().getTime()],
    ]);
    // Due now: the next run (here, or another instance's) takes them.
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
