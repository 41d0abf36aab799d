/**
 * The WeChat access token (from cgi-bin/stable_token, valid 7200 s), cached until shortly before
 * it expires. Concurrent callers in one process share one fetch (single-flight); with Redis,
 * instances share the token and a lock lets only one of them fetch it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface CachedToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface AccessTokenStore {
  read(): Promise<CachedToken | null>;
  write(token: CachedToken): Promise<void>;
  /** Forgets the token if it is still this one (it was rejected by WeChat). */
  invalidate(token: string): Promise<void>;
  /** Returns a release function when this caller may fetch, or null when another one is. */
  tryLock(): Promise<(() => Promise<void>) | null>;
}

/** One process: the provider's single-flight already makes sure only one fetch runs. */
export class MemoryAccessTokenStore implements AccessTokenStore {
  #token: CachedToken | null = null;

  read(): Promise<CachedToken | null> {
    return Promise.resolve(this.#token);
  }

  write(token: CachedToken): Promise<void> {
    this.#token = token;
    return Promise.resolve();
  }

  invalidate(token: string): Promise<void> {
    if (this.#token?.token === token) this.#token = null;
    return Promise.resolve();
  }

  tryLock(): Promise<(() => Promise<void>) | null> {
    return Promise.resolve(() => Promise.resolve());
  }
}

const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const INVALIDATE =
  "local v = redis.call('get', KEYS[1]) if v and cjson.decode(v).token == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class RedisAccessTokenStore implements AccessTokenStore {
  readonly #key: string;
  readonly #lockKey: string;

  constructor(
    private readonly redis: Redis,
    appId: string,
    private readonly lockTtlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = `wechat:${appId}:access_token`;
    this.#lockKey = `${this.#key}:lock`;
  }

  async read(): Promise<CachedToken | null> {
    const value = await this.redis.get(this.#key);
    return value ? (JSON.parse(value) as CachedToken) : null;
  }

  async write(token: CachedToken): Promise<void> {
    const ttl = Math.max(1, token.expiresAt - this.now());
    await this.redis.set(this.#key, JSON.stringify(token), 'PX', ttl);
  }

  async invalidate(token: string): Promise<void> {
    await this.redis.eval(INVALIDATE, 1, this.#key, token);
  }

  async tryLock(): Promise<(() => Promise<void>) | null> {
    const owner = randomBytes(16).toString('hex');
    const acquired = await this.redis.set(this.#lockKey, owner, 'PX', this.lockTtlMs, 'NX');
    if (acquired !== 'OK') return null;
    return async () => {
      await this.redis.eval(RELEASE_LOCK, 1, this.#lockKey, owner);
    };
  }
}

export interface AccessTokenProviderOptions {
  store: AccessTokenStore;
  /** Calls stable_token; `forceRefresh` after WeChat rejected the current token. */
  fetchToken: (forceRefresh: boolean) => Promise<{ token: string; expiresInSeconds: number }>;
  now?: () => number;
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  /** How long to wait for another instance's fetch before giving up (default 10 s). */
  lockWaitMs?: number;
  pollIntervalMs?: number;
}

export class AccessTokenUnavailableError extends Error {
  constructor() {
    super('timed out waiting for another instance to fetch the WeChat access token');
    this.name = 'AccessTokenUnavailableError';
  }
}

export class AccessTokenProvider {
  readonly #options: Required<AccessTokenProviderOptions>;
  #local: CachedToken | null = null;
  #inflight: Promise<string> | null = null;
  /** The token WeChat last rejected, until a different one is in hand: never handed out again. */
  #rejected: string | null = null;

  constructor(options: AccessTokenProviderOptions) {
    this.#options = {
      store: options.store,
      fetchToken: options.fetchToken,
      now: options.now ?? Date.now,
      refreshMarginMs: options.refreshMarginMs ?? 5 * 60_000,
      lockWaitMs: options.lockWaitMs ?? 10_000,
      pollIntervalMs: options.pollIntervalMs ?? 50,
    };
  }

  #fresh(token: CachedToken | null): token is CachedToken {
    return token !== null && token.expiresAt - this.#options.refreshMarginMs > this.#options.now();
  }

  #usable(token: CachedToken | null): token is CachedToken {
    return this.#fresh(token) && token.token !== this.#rejected;
  }

  async get(): Promise<string> {
    if (this.#fresh(this.#local)) return this.#local.token;
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  /**
   * WeChat rejected this token (40001/42001): drop it everywhere, and never take it again. A
   * rejection of a token this instance has already replaced (two calls failed on it at once) asks
   * for nothing more: the replacement stays.
   */
  async invalidate(token: string): Promise<void> {
    if (this.#local === null || this.#local.token === token) {
      this.#local = null;
      this.#rejected = token;
    }
    await this.#options.store.invalidate(token);
  }

  async #load(): Promise<string> {
    const { store, now, lockWaitMs, pollIntervalMs } = this.#options;
    const deadline = now() + lockWaitMs;
    for (;;) {
      // Another instance's replacement of a rejected token is as good as our own.
      const shared = await store.read();
      if (this.#usable(shared)) return this.#keep(shared);

      const release = await store.tryLock();
      if (release) {
        try {
          // Another instance may have written it between our read and our lock.
          const again = await store.read();
          if (this.#usable(again)) return this.#keep(again);
          // The token in force first: after a rejection it is usually already another one (someone
          // force-refreshed, or it expired). Only when WeChat hands back the very token it rejected
          // is a new one forced: a forced refresh ends the token every instance is using, and
          // WeChat allows 20 a day.
          let fetched = await this.#options.fetchToken(false);
          if (fetched.token === this.#rejected) fetched = await this.#options.fetchToken(true);
          const token = { token: fetched.token, expiresAt: now() + fetched.expiresInSeconds * 1000 };
          await store.write(token);
          return this.#keep(token);
        } finally {
          await release();
        }
      }
      if (now() > deadline) throw new AccessTokenUnavailableError();
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  }

  #keep(token: CachedToken): string {
    this.#local = token;
    this.#rejected = null;
    return token.token;
  }
}
