/**
 * Nonces of WeChat Pay notifications already accepted, so that a captured notification cannot be
 * played again within its timestamp's window. A nonce needs remembering only as long as its
 * timestamp is acceptable (5 minutes either side): after that the timestamp check refuses it.
 *
 * With Redis the instances share them (`SET NX EX`); without, this process remembers them. A
 * Redis outage falls back to this process's memory, as the other uses of Redis do: the replay
 * check is defence in depth (the order's guarded update already makes a repeat harmless), so it
 * must not turn a Redis outage into refused payments.
 */
import type { Redis } from 'ioredis';
import type { OutageLog } from '../../outage-log';

export interface NonceStore {
  /** True when the nonce was not seen within `ttlSeconds` (it is remembered from now on). */
  remember(nonce: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a nonce remembered by a notification that then failed: WeChat Pay may send it again. */
  forget(nonce: string): Promise<void>;
}

export class MemoryNonceStore implements NonceStore {
  readonly #seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  remember(nonce: string, ttlSeconds: number): Promise<boolean> {
    const now = this.now();
    // Insertion order is expiry order (one TTL for all): prune from the front.
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt > now) break;
      this.#seen.delete(key);
    }
    const known = this.#seen.get(nonce);
    if (known !== undefined && known > now) return Promise.resolve(false);
    this.#seen.set(nonce, now + ttlSeconds * 1000);
    return Promise.resolve(true);
  }

  forget(nonce: string): Promise<void> {
    this.#seen.delete(nonce);
    return Promise.resolve();
  }

  get size(): number {
    return this.#seen.size;
  }
}

export class RedisNonceStore implements NonceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'wechatpay:nonce:',
  ) {}

  async remember(nonce: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}${nonce}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async forget(nonce: string): Promise<void> {
    await this.redis.del(`${this.prefix}${nonce}`);
  }
}

/** Redis while it answers, this process's memory while it does not. */
export class FallbackNonceStore implements NonceStore {
  readonly #memory = new MemoryNonceStore();

  constructor(
    private readonly shared: NonceStore,
    private readonly outage: OutageLog,
  ) {}

  async remember(nonce: string, ttlSeconds: number): Promise<boolean> {
    try {
      return await this.shared.remember(nonce, ttlSeconds);
    } catch (error) {
      this.outage.failed(error);
      return this.#memory.remember(nonce, ttlSeconds);
    }
  }

  /** From both: it may have been remembered during an outage. */
  async forget(nonce: string): Promise<void> {
    await this.#memory.forget(nonce);
    try {
      await this.shared.forget(nonce);
    } catch (error) {
      this.outage.failed(error);
    }
  }
}
