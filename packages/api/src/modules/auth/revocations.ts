/**
 * Revoked sessions, checked on every authenticated call. An entry only needs to outlive the
 * access tokens already issued for the session (their TTL); refresh checks the database itself.
 * Redis when configured (all instances see a logout at once), else this process's memory,
 * warmed from the database before its first check so a restart does not forget recent logouts
 * (on first use rather than at start: a cold start need not wait for the database).
 */
import type { Redis } from 'ioredis';

export interface RevocationStore {
  revoke(sessionId: string, ttlSeconds: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

export class MemoryRevocationStore implements RevocationStore {
  readonly #until = new Map<string, number>();
  /** Fills the store before the first check; null once done (checks then cost no extra await). */
  #warmUp: (() => Promise<void>) | null;
  #warming: Promise<void> | null = null;

  /** `warmUp` fills the store (with revoke) before the first check; it runs once. */
  constructor(
    private readonly now: () => number = Date.now,
    warmUp: ((store: MemoryRevocationStore) => Promise<void>) | null = null,
  ) {
    this.#warmUp = warmUp && (() => warmUp(this));
  }

  revoke(sessionId: string, ttlSeconds: number): Promise<void> {
    this.#until.set(sessionId, this.now() + ttlSeconds * 1000);
    if (this.#until.size > 10_000) this.#prune();
    return Promise.resolve();
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.#warmUp) {
      await (this.#warming ??= this.#warmUp());
      this.#warmUp = null;
    }
    const until = this.#until.get(sessionId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.#until.delete(sessionId);
    return false;
  }

  #prune(): void {
    const now = this.now();
    for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
  }
}

export class RedisRevocationStore implements RevocationStore {
  constructor(private readonly redis: Redis) {}

  async revoke(sessionId: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`auth:revoked:${sessionId}`, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(`auth:revoked:${sessionId}`)) === 1;
  }
}
