/**
 * Durable jobs in the database (an outbox): a job is written in the same transaction as the
 * change that causes it (an order becoming PAID writes its message job), so it exists exactly when
 * that change committed. Jobs run at least once: a handler must tolerate running twice.
 */
import type { Kysely } from 'kysely';
import { dialectOf } from '../db/dialect';
import type { Database, JobRow } from '../db/schema';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export async function enqueueJob(db: Kysely<Database>, kind: string, payload: Json, now: Date): Promise<void> {
  await db
    .insertInto('jobs')
    .values({
      kind,
      payload: JSON.stringify(payload),
      status: 'PENDING',
      attempts: 0,
      run_at: now,
      last_error: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/**
 * Claims up to `limit` due jobs: each gets one more attempt and a lease (run_at moves to the
 * lease's end), so another instance takes it only if this one dies before finishing it. On MySQL
 * with SKIP LOCKED at READ COMMITTED, as the order sweeper claims (order-sweeper.ts says why).
 * The job runner claims one job at a time, as it is about to run it: jobs claimed together would
 * wait their turn while their leases ran out (each may take a WeChat timeout).
 */
export async function claimDueJobs(db: Kysely<Database>, now: Date, leaseMs: number, limit: number): Promise<JobRow[]> {
  const mysql = dialectOf(db) === 'mysql';
  const transaction = mysql ? db.transaction().setIsolationLevel('read committed') : db.transaction();
  return transaction.execute(async (trx) => {
    let due = trx
      .selectFrom('jobs')
      .selectAll()
      .where('status', '=', 'PENDING')
      .where('run_at', '<=', now)
      .orderBy('run_at', 'asc')
      .limit(limit);
    if (mysql) due = due.forUpdate().skipLocked();
    const rows = await due.execute();
    if (rows.length === 0) return [];
    const leaseEnd = new Date(now.getTime() + leaseMs);
    await trx
      .updateTable('jobs')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), run_at: leaseEnd, updated_at: now }))
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    return rows.map((row) => ({ ...row, attempts: row.attempts + 1, run_at: leaseEnd }));
  });
}

/** A job as this instance claimed it: its id and the attempt the claim made (which says whose it is). */
export type ClaimedJob = Pick<JobRow, 'id' | 'attempts'>;

/** Ends a claimed job, unless another instance has claimed it since (then the outcome is that one's). */
export async function finishJob(
  db: Kysely<Database>,
  job: ClaimedJob,
  status: 'DONE' | 'FAILED',
  error: string | null,
  now: Date,
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status, last_error: error?.slice(0, 255) ?? null, updated_at: now })
    .where('id', '=', job.id)
    .where('attempts', '=', job.attempts)
    .execute();
}

/** Schedules a claimed job's next attempt, unless another instance has claimed it since. */
export async function retryJobAt(db: Kysely<Database>, job: ClaimedJob, runAt: Date, error: string, now: Date): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ run_at: runAt, last_error: error.slice(0, 255), updated_at: now })
    .where('id', '=', job.id)
    .where('attempts', '=', job.attempts)
    .execute();
}
