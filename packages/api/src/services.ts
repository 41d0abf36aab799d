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
import { AccessTokens, DEFAULT_CLOCK_TOLERANCE_SECONDS } from './modules/auth/access-tokens';
import type { AuthServices } from './modules/auth/auth-services';
import { createAuthenticate } from './modules/auth/authenticate';
import { findSession, findSessionsRevokedSince } from './modules/auth/auth.repository';
import { MemoryRevocationStore, RedisRevocationStore, revocationTtlSeconds, type RevocationRecord } from './modules/auth/revocations';
import { OutageLog } from './outage-log';
import { SessionKeyCipher } from './modules/auth/session-key-cipher';
import type { UploadServices } from './modules/uploads/uploads.service';
import { DEFAULT_RATE_LIMITS, RateLimits, type RateLimitConfig } from './rate-limits';
import { noopTelemetry, type Telemetry } from './telemetry';
import { MemoryAccessTokenStore, RedisAccessTokenStore } from './wechat/access-token';
import { WeChatClient, type WeChatClientOptions } from './wechat/client';
import { FallbackAccessTokenStore } from './wechat/fallback-token-store';
import type { OrderSettings } from './modules/order/order.service';
import {
  createPayServices,
  FallbackNonceStore,
  MemoryNonceStore,
  RedisNonceStore,
  type PayServices,
  type WeChatPaySettings,
} from './wechat/pay';

export const DEFAULT_ORDER_SETTINGS: OrderSettings = { paymentTimeoutMinutes: 15 };

/** Long-lived dependencies, created once at start-up and shared by all requests. */
export interface Services {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  wechat: WeChatClient;
  auth: AuthServices;
  rateLimits: RateLimits;
  uploads: UploadServices;
  orders: OrderSettings;
  /** WeChat Pay; null when no merchant is configured (pay.prepare answers PAYMENT_DISABLED). */
  pay: PayServices | null;
  /** Application version reported by `health`. */
  version: string;
  /** Send stacks and internal messages of server faults to clients: never in production. */
  exposeErrors: boolean;
  /** Events for the operator's metrics (telemetry.ts); noopTelemetry when metrics are off. */
  telemetry: Telemetry;
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
  wechat: Omit<WeChatClientOptions, 'logger' | 'tokenStore' | 'now' | 'telemetry'>;
  /** Rules not given take DEFAULT_RATE_LIMITS'. */
  rateLimits?: Partial<RateLimitConfig>;
  uploads: UploadServices;
  /** Unset: DEFAULT_ORDER_SETTINGS. */
  orders?: OrderSettings;
  /** WeChat Pay's merchant; unset or null: payment disabled. */
  pay?: WeChatPaySettings | null;
  /**
   * Redis's outage, logged once per episode: the caller's when it reports on Redis too (the
   * server's connection events), else one made here.
   */
  redisOutage?: OutageLog;
  /** Where the services report events for metrics; unset: nowhere (noopTelemetry). */
  telemetry?: Telemetry;
}

/** The database's word on revocations, which the stores below fall back on and rebuild from. */
function revocationRecord(db: Kysely<Database>, clock: Clock): RevocationRecord {
  return {
    isRevoked: async (sessionId) => {
      const session = await findSession(db, sessionId);
      return session === undefined || session.revoked_at !== null;
    },
    revokedWithin: (seconds) => findSessionsRevokedSince(db, new Date(clock.now().getTime() - seconds * 1000)),
  };
}

export function createServices(config: ServicesConfig): Promise<Services> {
  const clock = config.clock ?? systemClock;
  const telemetry = config.telemetry ?? noopTelemetry;
  const { redis } = config;
  const tokens = new AccessTokens({
    secret: config.auth.jwtSecret,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
    clock,
    ...(config.auth.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: config.auth.clockToleranceSeconds }),
  });
  const redisOutage = config.redisOutage ?? new OutageLog(config.logger, 'redis');
  const revocationTtl = revocationTtlSeconds(
    config.auth.accessTokenTtlSeconds,
    config.auth.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
  );
  const record = revocationRecord(config.db, clock);
  const revocations = redis
    ? new RedisRevocationStore(redis, record, revocationTtl, redisOutage)
    : new MemoryRevocationStore(record, revocationTtl, () => clock.now().getTime());
  return Promise.resolve({
    db: config.db,
    clock,
    logger: config.logger,
    version: config.version,
    exposeErrors: config.exposeErrors,
    telemetry,
    wechat: new WeChatClient({
      ...config.wechat,
      logger: config.logger.child({ component: 'wechat' }),
      tokenStore: redis
        ? new FallbackAccessTokenStore(new RedisAccessTokenStore(redis, config.wechat.appId), redisOutage)
        : new MemoryAccessTokenStore(),
      now: () => clock.now().getTime(),
      telemetry,
    }),
    auth: {
      tokens,
      revocations,
      sessionKeys: new SessionKeyCipher(config.auth.sessionKeyEncryptionKey),
      refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
      authenticate: createAuthenticate(tokens, revocations),
    },
    rateLimits: new RateLimits(redis, config.rateLimits ?? DEFAULT_RATE_LIMITS, telemetry),
    uploads: config.uploads,
    orders: config.orders ?? DEFAULT_ORDER_SETTINGS,
    pay: config.pay
      ? createPayServices(config.pay, {
          appId: config.wechat.appId,
          logger: config.logger.child({ component: 'wechatpay' }),
          // Notification nonces: shared across instances with Redis (replays refused everywhere).
          nonces: redis ? new FallbackNonceStore(new RedisNonceStore(redis), redisOutage) : new MemoryNonceStore(),
          now: () => clock.now().getTime(),
        })
      : null,
  });
}
