/**
 * Deletes the sign-in sessions that ended long ago, and with them their rotated refresh tokens and
 * the WeChat session keys they hold (encrypted). Every sign-in writes a session and every refresh a
 * rotated token: without this, both tables grow for as long as the app runs, and keep personal data
 * no one needs any more.
 *
 * A session ends when it expires (`expires_at`: a refresh moves it on) or is revoked. It is kept
 * for a while after that, because:
 * - an access token it issued is accepted up to the access-token TTL (and the clock tolerance)
 *   after its end, and the revocation stores rebuild from `auth_sessions` the revocations of that
 *   window (revocationTtlSeconds): a session revoked within it must still be there;
 * - a day's margin beyond that covers clocks that disagree, and the questions support gets about a
 *   sign-out, while the logs that name the session are still at hand.
 * Its rotated refresh tokens go with it (first, in batches below; ON DELETE CASCADE would take them
 * too): one presented after that is AUTH_REFRESH_INVALID rather than AUTH_REFRESH_REUSED, and the
 * client signs in again either way. While the session lives they stay, so that reuse is still
 * detected and ends it.
 *
 * Batches: the ids of up to `batchSize` ended sessions; their rotated tokens deleted `batchSize`
 * at a time (a session used daily for months has thousands), then the sessions in one DELETE by
 * id (MySQL allows no LIMIT in an IN subquery, SQLite no DELETE … LIMIT): no statement of a large
 * backlog holds locks for long. Instances sweeping at the same moment may pick the same rows: a
 * delete is idempotent.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import { retryOnDeadlock } from '../../db/dialect';
import type { Database } from '../../db/schema';
import { Periodic, periodicLog } from '../../periodic';
import { revocationTtlSeconds } from './revocations';

/** How long after its end a session is kept beyond the revocation window (see above). */
export const ENDED_SESSION_MARGIN_MS = 24 * 60 * 60 * 1000;

export interface SessionRetentionOptions {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  /** The access tokens' TTL and clock tolerance: a session is kept for the revocation window they imply (revocations.ts). */
  accessTokenTtlSeconds: number;
  clockToleranceSeconds: number;
  /** Sessions deleted per statement. */
  batchSize?: number;
}

export class SessionRetentionSweeper {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #keepMs: number;
  readonly #batchSize: number;
  readonly #periodic: Periodic;

  constructor(options: SessionRetentionOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#periodic = new Periodic((signal) => this.sweep(signal), periodicLog(options.logger, 'session retention sweep'));
    this.#keepMs = revocationTtlSeconds(options.accessTokenTtlSeconds, options.clockToleranceSeconds) * 1000 + ENDED_SESSION_MARGIN_MS;
    this.#batchSize = options.batchSize ?? 500;
  }

  /**
   * One sweep: every session that ended before the cutoff, batch by batch, until `signal` aborts
   * (a shutdown). Resolves to how many it deleted.
   */
  async sweep(signal?: AbortSignal): Promise<number> {
    const cutoff = new Date(this.#clock.now().getTime() - this.#keepMs);
    let deleted = 0;
    while (!signal?.aborted) {
      const ended = await this.#db
        .selectFrom('auth_sessions')
        .select('id')
        .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
        .limit(this.#batchSize)
        .execute();
      if (ended.length === 0) break;
      const ids = ended.map((row) => row.id);
      await this.#deleteRotatedTokens(ids);
      const result = await retryOnDeadlock(() => this.#db.deleteFrom('auth_sessions').where('id', 'in', ids).executeTakeFirst());
      deleted += Number(result.numDeletedRows);
      if (ended.length < this.#batchSize) break;
    }
    if (deleted > 0) this.#logger.info({ deleted }, 'deleted sign-in sessions that ended over a day ago');
    return deleted;
  }

  /** The rotated refresh tokens of these sessions, a batch at a time. */
  async #deleteRotatedTokens(sessionIds: string[]): Promise<void> {
    for (;;) {
      const tokens = await this.#db
        .selectFrom('refresh_tokens')
        .select('id')
        .where('session_id', 'in', sessionIds)
        .limit(this.#batchSize)
        .execute();
      if (tokens.length === 0) return;
      const ids = tokens.map((row) => row.id);
      await retryOnDeadlock(() => this.#db.deleteFrom('refresh_tokens').where('id', 'in', ids).execute());
      if (tokens.length < this.#batchSize) return;
    }
  }

  /**
   * Sweeps every `intervalMs` until stop(), the first time at a random point of the first interval:
   * instances started together (a deploy) do not sweep together, and one that lives less than an
   * interval (a serverless instance) may still sweep. A failed sweep (database down) is logged and
   * tried again next time.
   */
  start(intervalMs: number): void {
    this.#periodic.start(intervalMs, Math.round(intervalMs * (0.1 + 0.9 * Math.random())));
  }

  /** Stops sweeping and waits for a sweep in progress to finish. */
  stop(): Promise<void> {
    return this.#periodic.stop();
  }
}
