/**
 * Revoked sessions, checked on every authenticated call.
 *
 * The database is the record: a logout (or a detected refresh-token reuse) marks the session
 * revoked there first (auth.service.ts), and only then tells this store, which is a view of recent
 * revocations kept close for speed: Redis when configured (shared by all instances), else this
 * process's memory. An entry only needs to outlive the access tokens issued before the revocation.
 *
 * A view can be lost or stale: Redis restarted without persistence, an outage swallowed a write,
 * this process restarted. It must never turn a revoked token back into a valid one, so whenever
 * the view cannot be trusted (it failed, or has not been rebuilt since it came back) the check
 * asks the database instead, and fails closed (SERVICE_UNAVAILABLE) when that fails too.
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

/** One process, no Redis: memory, filled from the record before its first check. */
export class MemoryRevocationStore implements RevocationStore {
  readonly #until = new Map<string, number>();
  #filling = false;
  #ready = false;

  constructor(
    private readonly record: RevocationRecord,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  revoke(sessionId: string): Promise<void> {
    this.#until.set(sessionId, this.now() + this.ttlSeconds * 1000);
    if (this.#until.size > 10_000) this.#prune();
    return Promise.resolve();
  }

  isRevoked(sessionId: string): Promise<boolean> {
    // Until filled (on first use: a cold start need not wait for the database), the record answers.
    if (!this.#ready) {
      if (!this.#filling) {
        this.#filling = true;
        void this.#fill();
      }
      return askRecord(this.record, sessionId);
    }
    const until = this.#until.get(sessionId);
    if (until === undefined) return Promise.resolve(false);
    if (until > this.now()) return Promise.resolve(true);
    this.#until.delete(sessionId);
    return Promise.resolve(false);
  }

  async #fill(): Promise<void> {
    try {
      for (const id of await this.record.revokedWithin(this.ttlSeconds)) this.#until.set(id, this.now() + this.ttlSeconds * 1000);
      this.#ready = true;
    } catch {
      this.#filling = false; // the next check tries again (and asks the record meanwhile)
    }
  }

  #prune(): void {
    const now = this.now();
    for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
  }
}

/**
 * How often every instance copies the record's latest revocations into Redis, whatever it saw
 * itself. A revocation whose Redis write failed at the instance that took it (cut off from Redis
 * while the others still reach it) is only in the record: the others, trusting Redis, would accept
 * the session's tokens until that instance's rebuild gets through, and never if it stops first.
 * With this, they refuse them within this long. One indexed query per instance per interval.
 */
export const REVOCATION_CATCH_UP_MS = 10_000;

/**
 * How far back a catch-up reads beyond its last successful one: the record's times are written on
 * the clock of the instance that revoked, which may run behind this one's.
 */
const CATCH_UP_OVERLAP_SECONDS = 60;

export interface RedisRevocationTiming {
  /** Between attempts to rebuild a distrusted view (default 1 s). */
  retryMs?: number;
  /** Between catch-ups (default REVOCATION_CATCH_UP_MS). */
  catchUpMs?: number;
}

/**
 * Redis, shared by all instances. The view is trusted only while healthy: from when it was last
 * rebuilt from the record (at start, and after every reconnection: a restarted Redis has lost its
 * keys) until a command fails. While it is not trusted, checks ask the record, and a rebuild is
 * attempted every `retryMs` until it succeeds. While it is, every `catchUpMs` the revocations the
 * record gained since the last catch-up are copied in (REVOCATION_CATCH_UP_MS says why).
 */
export class RedisRevocationStore implements RevocationStore {
  #healthy = false;
  /** Bumped whenever the view is distrusted: a rebuild that began before it does not count. */
  #generation = 0;
  #rebuilding = false;
  #retry: NodeJS.Timeout | null = null;
  readonly #retryMs: number;
  readonly #catchUpTimer: NodeJS.Timeout;
  #catchingUp = false;
  /** When the record was last read (by the rebuild or a catch-up) into the view now trusted (Date.now()). */
  #caughtUpAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly record: RevocationRecord,
    private readonly ttlSeconds: number,
    private readonly outage: OutageLog,
    timing: RedisRevocationTiming = {},
  ) {
    this.#retryMs = timing.retryMs ?? 1_000;
    // Never what keeps a process alive; stopped by close().
    this.#catchUpTimer = setInterval(() => void this.#catchUp(), timing.catchUpMs ?? REVOCATION_CATCH_UP_MS).unref();
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
    clearInterval(this.#catchUpTimer);
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
      const readAt = Date.now();
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
      this.#caughtUpAt = readAt;
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
   * Copies the revocations the record gained since the last catch-up (or rebuild) into a trusted
   * view. Those already there keep their expiry (NX). While distrusted, the rebuild copies all.
   */
  async #catchUp(): Promise<void> {
    if (!this.#healthy || this.#catchingUp) return;
    this.#catchingUp = true;
    try {
      const generation = this.#generation;
      const readAt = Date.now();
      const sinceLast = Math.ceil((readAt - this.#caughtUpAt) / 1000) + CATCH_UP_OVERLAP_SECONDS;
      let ids: string[];
      try {
        ids = await this.record.revokedWithin(Math.min(this.ttlSeconds, sinceLast));
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
      if (generation === this.#generation) this.#caughtUpAt = readAt;
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
