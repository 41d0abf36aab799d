/**
 * The long-lived services every request shares, their type, and how they are built from
 * configuration: one place that decides Redis or memory, imports keys once, and connects the
 * WeChat client. Modules never import this file: each declares the slice it needs.
 */
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock';
import type { Database } from './db/schema';
import { AccessTokens } from './modules/auth/access-tokens';
import type { AuthServices } from './modules/auth/auth-services';
import { createAuthenticate } from './modules/auth/authenticate';
import { findSessionsRevokedSince } from './modules/auth/auth.repository';
import { MemoryRevocationStore, RedisRevocationStore, type RevocationStore } from './modules/auth/revocations';
import { SessionKeyCipher } from './modules/auth/session-key-cipher';
import type { UploadServices } from './modules/uploads/uploads.service';
import { DEFAULT_RATE_LIMITS, RateLimits, type RateLimitConfig } from './rate-limits';
import { MemoryAccessTokenStore, RedisAccessTokenStore } from './wechat/access-token';
import { WeChatClient, type WeChatClientOptions } from './wechat/client';

/** Long-lived dependencies, created once at start-up and shared by all requests. */
export interface Services {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  wechat: WeChatClient;
  auth: AuthServices;
  rateLimits: RateLimits;
  uploads: UploadServices;
  /** Application version reported by `health`. */
  version: string;
  /** Send stacks and internal messages of server faults to clients: never in production. */
  exposeErrors: boolean;
}

export interface ServicesConfig {
  db: Kysely<Database>;
  logger: Logger;
  clock?: Clock;
  version: string;
  exposeErrors: boolean;
  /** Shared state across instances; null = this process only. */
  redis: Redis | null;
  auth: {
    jwtSecret: string;
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    /** Accepted clock difference between instances when checking token times (default 30 s). */
    clockToleranceSeconds?: number;
    /** 32 bytes. */
    sessionKeyEncryptionKey: Buffer;
  };
  wechat: Omit<WeChatClientOptions, 'logger' | 'tokenStore' | 'now'>;
  rateLimits?: RateLimitConfig;
  uploads: UploadServices;
}

/** Without Redis, recent logouts are re-read from the database so a restart does not forget them. */
function memoryRevocations(config: ServicesConfig, clock: Clock): RevocationStore {
  const ttlSeconds = config.auth.accessTokenTtlSeconds + 60;
  return new MemoryRevocationStore(
    () => clock.now().getTime(),
    async (store) => {
      try {
        const since = new Date(clock.now().getTime() - ttlSeconds * 1000);
        for (const id of await findSessionsRevokedSince(config.db, since)) await store.revoke(id, ttlSeconds);
      } catch (error) {
        config.logger.warn({ err: error }, 'could not load recent session revocations (is the database migrated?)');
      }
    },
  );
}

export function createServices(config: ServicesConfig): Promise<Services> {
  const clock = config.clock ?? systemClock;
  const { redis } = config;
  const tokens = new AccessTokens({
    secret: config.auth.jwtSecret,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
    clock,
    ...(config.auth.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: config.auth.clockToleranceSeconds }),
  });
  const revocations = redis ? new RedisRevocationStore(redis) : memoryRevocations(config, clock);
  return Promise.resolve({
    db: config.db,
    clock,
    logger: config.logger,
    version: config.version,
    exposeErrors: config.exposeErrors,
    wechat: new WeChatClient({
      ...config.wechat,
      logger: config.logger.child({ component: 'wechat' }),
      tokenStore: redis ? new RedisAccessTokenStore(redis, config.wechat.appId) : new MemoryAccessTokenStore(),
      now: () => clock.now().getTime(),
    }),
    auth: {
      tokens,
      revocations,
      sessionKeys: new SessionKeyCipher(config.auth.sessionKeyEncryptionKey),
      refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
      authenticate: createAuthenticate(tokens, revocations),
    },
    rateLimits: new RateLimits(redis, config.rateLimits ?? DEFAULT_RATE_LIMITS),
    uploads: config.uploads,
  });
}
