import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import type { Clock } from '../../src/clock';
import type { Services } from '../../src/services';
import type { Database } from '../../src/db/schema';
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from '../../src/rate-limits';
import { LocalDiskStorage } from '../../src/modules/uploads/upload-storage';
import { createServices } from '../../src/services';
import { TEST_APP } from './wechat';
import type { WeChatPaySettings } from '../../src/wechat/pay';

export const TEST_AUTH = {
  jwtSecret: 'test-jwt-secret-that-is-long-enough-0123456789',
  issuer: 'test-issuer',
  audience: 'test-audience',
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  sessionKeyEncryptionKey: Buffer.alloc(32, 7),
};

/** A settable clock shared by the services and the test. */
export function testClock(start = new Date('2026-11-23T10:00:00.000Z')): Clock & { set(d: Date): void; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    set: (d) => (current = d),
    advance: (ms) => (current = new Date(current.getTime() + ms)),
  };
}

export interface TestServicesOptions {
  db: Kysely<Database>;
  /** Base URL of the WeChat mock (a closed port when the test never reaches WeChat). */
  wechatUrl?: string;
  clock?: Clock;
  redis?: Redis | null;
  logger?: Logger;
  exposeErrors?: boolean;
  rateLimits?: Partial<RateLimitConfig>;
  auth?: Partial<typeof TEST_AUTH & { clockToleranceSeconds: number }>;
  /** WeChat Pay's merchant (support/pay.ts); unset: payment disabled. */
  pay?: WeChatPaySettings | null;
}

export function createTestServices(options: TestServicesOptions): Promise<Services> {
  return createServices({
    db: options.db,
    logger: options.logger ?? pino({ level: 'silent' }),
    clock: options.clock,
    version: '1.2.3-test',
    exposeErrors: options.exposeErrors ?? false,
    redis: options.redis ?? null,
    auth: { ...TEST_AUTH, ...options.auth },
    wechat: { baseUrl: options.wechatUrl ?? 'http://127.0.0.1:1', ...TEST_APP, timeoutMs: 1_000, retryInitialDelayMs: 10 },
    rateLimits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits },
    uploads: { storage: new LocalDiskStorage(join(tmpdir(), `api-test-uploads-${process.pid}`)), maxBytes: 64 * 1024 },
    pay: options.pay ?? null,
  });
}
