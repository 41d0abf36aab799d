/**
 * Revoked sessions, checked on every authenticated call.
 *
 * The database is the record: a logout (or a detected refresh-token reuse) marks the session
 * revoked there first (auth.service.ts), and only then tells this store, which is a view of recent
 * revocations kept close for speed: Redis when configured (shared by all instances), else this
 * process's memory. An entry only needs to outlive the access tokens issued before the revocation.
 *
 * A view can be lost or stale: Redis restarted without persistence, an outage swallowed a write,
 * this process restarted, another instance revoked a session in its own memory. It must never turn
 * a revoked token back into a valid one, so whenever the view cannot be trusted (it failed, has not
 * been rebuilt since it came back, or has not caught up for a while) the check asks the database
 * instead, and fails closed (SERVICE_UNAVAILABLE) when that fails too; and the checks keep the view
 * caught up with the database (REVOCATION_CATCH_UP_MS).
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { AppError, DATABASE_RETRY_AFTER_SECONDS } from '../../errors';
import type { OutageLog } from '../../outage-log';

export interface RevocationStore {
  /**
   * After the database has the revocation: makes it visible to every check, for the store's TTL
   * (the one its rebuilds from the record use too). Never throws.
   */
  revoke(sessionId: string): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

/** Reading the record: the database's answers, which the stores fall back on and rebuild from. */
export interface RevocationRecord {
  /** Whether the session is revoked (a session that does not exist counts as revoked). */
  isRevoked(sessionId: string): Promise<boolean>;
  /** Sessions revoked within the last `seconds`. */
  revokedWithin(seconds: number): Promise<string[]>;
}

/**
 * How long a revocation is kept, in the stores and in what they rebuild from the record: it must
 * outlive the access tokens issued before it. Those are accepted up to the clock tolerance after
 * they expire (JWT_CLOCK_TOLERANCE_SECONDS), on the clock of whichever instance checks them, which
 * may run that much behind the one that revoked: the TTL plus twice the tolerance (a minute at least).
 */
export function revocationTtlSeconds(accessTokenTtlSeconds: number, clockToleranceSeconds: number): number {
  return accessTokenTtlSeconds + Math.max(60, 2 * clockToleranceSeconds);
}

/** Asks the database; a failure there is the client's 503, not a 500 and never "not revoked". */
async function askRecord(record: RevocationRecord, sessionId: string): Promise<boolean> {
  try {
    return await record.isRevoked(sessionId);
  } catch (cause) {
    throw new AppError('SERVICE_UNAVAILABLE', { cause, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  }
}

/**
 * How often a view reads the record's newest revocations: at most this long after its last read,
 * a check starts a catch-up in the background (no timer: an idle instance reads nothing). What it
 * closes: a revocation that reached the record but not this view, taken by another instance
 * without Redis (the memory view is per process) or by one cut off from Redis while the others
 * still reach it (its write failed; the others trust Redis). One indexed query per interval.
 */
export const REVOCATION_CATCH_UP_MS = 5_000;

/**
 * How far back a catch-up reads beyond its last successful one: the record's times are written on
 * the clock of the instance that revoked, which may run behind this one's, and a transaction may
 * commit a revocation dated a little before it becomes visible.
 */
const CATCH_UP_OVERLAP_SECONDS = 60;

/** The seconds of the record a catch-up reads: back to its last read (`msSince` ago), with the overlap, at most the TTL. */
function catchUpWindowSeconds(msSince: number, ttlSeconds: number): number {
  return Math.min(ttlSeconds, Math.ceil(msSince / 1000) + CATCH_UP_OVERLAP_SECONDS);
}

/**
 * One process, no Redis: memory, filled from the record before its first check and caught up from
 * it as it ages (REVOCATION_CATCH_UP_MS), so other instances' revocations reach it too. A view
 * older than twice the interval (never filled, a failing database, a serverless instance thawed
 * after minutes) is not trusted: the record answers until a catch-up succeeds.
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #until = new Map<string, number>();
  /** performance.now() of the read behind the view; -Infinity until the first. */
  #readAt = Number.NEGATIVE_INFINITY;
  /** performance.now() of the last catch-up begun: one per interval, even while they fail. */
  #triedAt = Number.NEGATIVE_INFINITY;
  #reading = false;

  constructor(
    private readonly record: RevocationRecord,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly catchUpMs = REVOCATION_CATCH_UP_MS,
  ) {}

  revoke(sessionId: string): Promise<void> {
    this.#until.set(sessionId, this.now() + this.ttlSeconds * 1000);
    if (this.#until.size > 10_000) this.#prune();
    return Promise.resolve();
  }

  isRevoked(sessionId: string): Promise<boolean> {
    const now = performance.now();
    if (now - this.#triedAt >= this.catchUpMs) void this.#catchUp(now);
    // The record answers until the view is filled (a cold start need not wait for it) and whenever
    // it has aged past twice the interval.
    if (now - this.#readAt >= 2 * this.catchUpMs) return askRecord(this.record, sessionId);
    const until = this.#until.get(sessionId);
    if (until === undefined) return Promise.resolve(false);
    if (until > this.now()) return Promise.resolve(true);
    this.#until.delete(sessionId);
    return Promise.resolve(false);
  }

  async #catchUp(readAt: number): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    this.#triedAt = readAt;
    try {
      const ids = await this.record.revokedWithin(catchUpWindowSeconds(readAt - this.#readAt, this.ttlSeconds));
      const until = this.now() + this.ttlSeconds * 1000;
      // Those already here keep their time: a catch-up reads the same revocations again.
      for (const id of ids) if (!this.#until.has(id)) this.#until.set(id, until);
      this.#readAt = readAt;
    } catch {
      // A check an interval later tries again; meanwhile the view ages, and then the record answers.
    } finally {
      this.#reading = false;
    }
  }

  #prune(): void {
    const now = this.now();
    for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
  }
}

export interface RedisRevocationTiming {
  /** Between attempts to rebuild a distrusted view (default 1 s). */
  retryMs?: number;
  /** The least time between catch-ups (default REVOCATION_CATCH_UP_MS). */
  catchUpMs?: number;
}

/**
 * Redis, shared by all instances. The view is trusted only while healthy: from when it was last
 * rebuilt from the record (at start, and after every reconnection: a restarted Redis has lost its
 * keys) until a command fails. While it is not trusted, checks ask the record, and a rebuild is
 * attempted every `retryMs` until it succeeds. While it is, the checks keep it caught up: the
 * revocations the record gained since the last read are copied in (REVOCATION_CATCH_UP_MS).
 */
export class RedisRevocationStore implements RevocationStore {
  #healthy = false;
  /** Bumped whenever the view is distrusted: a rebuild that began before it does not count. */
  #generation = 0;
  #rebuilding = false;
  #retry: NodeJS.Timeout | null = null;
  readonly #retryMs: number;
  readonly #catchUpMs: number;
  #catchingUp = false;
  /** performance.now() of the last read of the record (a rebuild's or a catch-up's) that the view holds. */
  #readAt = Number.NEGATIVE_INFINITY;
  /** performance.now() of the last catch-up begun (or rebuild done): one per interval, even while they fail. */
  #triedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: Redis,
    private readonly record: RevocationRecord,
    private readonly ttlSeconds: number,
    private readonly outage: OutageLog,
    timing: RedisRevocationTiming = {},
  ) {
    this.#retryMs = timing.retryMs ?? 1_000;
    this.#catchUpMs = timing.catchUpMs ?? REVOCATION_CATCH_UP_MS;
    redis.on('ready', () => this.#distrust());
    redis.on('close', () => this.#distrust());
    if (redis.status === 'ready') this.#distrust();
  }

  /** Whether checks are answered from Redis (rebuilt since it last failed), rather than from the record. */
  get trusted(): boolean {
    return this.#healthy;
  }

  static keyOf(sessionId: string): string {
    return `auth:revoked:${sessionId}`;
  }

  async revoke(sessionId: string): Promise<void> {
    try {
      await this.redis.set(RedisRevocationStore.keyOf(sessionId), '1', 'EX', this.ttlSeconds);
    } catch (error) {
      // The record has it: the view is rebuilt from there, and is not trusted until it is.
      this.#failed(error);
    }
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (!this.#healthy) return askRecord(this.record, sessionId);
    const now = performance.now();
    if (now - this.#triedAt >= this.#catchUpMs) void this.#catchUp(now);
    try {
      return (await this.redis.exists(RedisRevocationStore.keyOf(sessionId))) === 1;
    } catch (error) {
      this.#failed(error);
      return askRecord(this.record, sessionId);
    }
  }

  /** Stops the retries; done by itself once the client has ended (closed for good: shutdown). */
  close(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
  }

  #failed(error: unknown): void {
    this.outage.failed(error);
    this.#distrust();
  }

  /** The view may have missed revocations: ask the record until it is rebuilt. */
  #distrust(): void {
    this.#healthy = false;
    this.#generation += 1;
    // Closed for good (shutdown): a rebuild cannot succeed, and its failures are no outage.
    if (this.#ended) return this.close();
    if (this.#rebuilding) return; // the rebuild in progress sees the new generation and copies again
    this.#rebuilding = true;
    void this.#rebuild().finally(() => {
      this.#rebuilding = false;
    });
  }

  /** Copies recent revocations from the record into Redis, until a copy outlives every distrust. */
  async #rebuild(): Promise<void> {
    for (;;) {
      const generation = this.#generation;
      const readAt = performance.now();
      let ids: string[];
      try {
        ids = await this.record.revokedWithin(this.ttlSeconds);
      } catch {
        // The database's outage, not Redis's: the requests that need the database report it.
        this.#retryLater();
        return;
      }
      try {
        await this.#copy(ids);
      } catch (error) {
        if (this.#ended) return; // closed while copying (shutdown)
        this.outage.failed(error);
        this.#retryLater();
        return;
      }
      // Distrusted again meanwhile (a write failed after the record was read): copy again.
      if (generation !== this.#generation) continue;
      this.#readAt = readAt;
      this.#triedAt = readAt; // a catch-up right after it would read nothing new
      this.#healthy = true;
      this.outage.recovered();
      return;
    }
  }

  /** ioredis reconnects unless closed by quit()/disconnect() or told to stop: then it ends. */
  get #ended(): boolean {
    return this.redis.status === 'end';
  }

  /**
   * Copies the revocations the record gained since its last read into the trusted view. Those
   * already there keep their expiry (NX). While the view is distrusted, the rebuild copies them all.
   */
  async #catchUp(readAt: number): Promise<void> {
    if (this.#catchingUp) return;
    this.#catchingUp = true;
    this.#triedAt = readAt;
    try {
      const generation = this.#generation;
      let ids: string[];
      try {
        ids = await this.record.revokedWithin(catchUpWindowSeconds(readAt - this.#readAt, this.ttlSeconds));
      } catch {
        return; // the database's outage: the requests that need it report it; the next one reads further back
      }
      if (ids.length > 0) {
        const batch = this.redis.multi();
        for (const id of ids) batch.set(RedisRevocationStore.keyOf(id), '1', 'EX', this.ttlSeconds, 'NX');
        try {
          await execAll(batch);
        } catch (error) {
          if (!this.#ended) this.#failed(error); // the rebuild copies everything instead
          return;
        }
      }
      if (generation === this.#generation) this.#readAt = readAt;
    } finally {
      this.#catchingUp = false;
    }
  }

  async #copy(ids: readonly string[]): Promise<void> {
    // Always one write, even with nothing to copy: it is what proves Redis answers again.
    const batch = this.redis.multi().set('auth:revocations:rebuilt-at', new Date().toISOString());
    for (const id of ids) batch.set(RedisRevocationStore.keyOf(id), '1', 'EX', this.ttlSeconds);
    await execAll(batch);
  }

  #retryLater(): void {
    if (this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (!this.#healthy) this.#distrust();
    }, this.#retryMs);
    this.#retry.unref();
  }
}

/** Runs a MULTI and throws its first failed command's error: exec() resolves with them. */
async function execAll(batch: ChainableCommander): Promise<void> {
  const results = await batch.exec();
  const failure = results?.find(([error]) => error !== null)?.[0];
  if (failure) throw failure;
}
