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

/**
 * Renews the lease of a claimed job just before it runs (a batch's last job may start well after
 * the claim): false when it is no longer this claim's, because its lease ran out meanwhile and
 * another instance claimed it (or finished it). Then this instance must not run it.
 */
export async function startClaimedJob(db: Kysely<Database>, job: ClaimedJob, now: Date, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ run_at: new Date(now.getTime() + leaseMs), updated_at: now })
    .where('id', '=', job.id)
    .where('status', '=', 'PENDING')
    .where('attempts', '=', job.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Hands a claimed job that did not start back, due now and without the attempt its claim counted. */
export async function releaseClaimedJob(db: Kysely<Database>, job: ClaimedJob, now: Date): Promise<void> {
  await db
    .updateTable('jobs')
    .set((eb) => ({ run_at: now, attempts: eb('attempts', '-', 1), updated_at: now }))
    .where('id', '=', job.id)
    .where('status', '=', 'PENDING')
    .where('attempts', '=', job.attempts)
    .execute();
}

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
