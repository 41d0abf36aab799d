// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types of the deep imports below; an import cannot bring those in
/// <reference path="./types/rate-limiter-flexible.d.ts" />
/**
 * Rate limits (rate-limiter-flexible): sign-in per IP and per code, mutations per user.
 * Redis-backed when configured so limits hold across instances, with an in-memory insurance
 * limiter if Redis fails; in memory otherwise.
 */
import type { Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import RateLimiterRedis from 'rate-limiter-flexible/lib/RateLimiterRedis.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import { AppError } from './errors';
import { noopTelemetry, type Telemetry } from './telemetry';

export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export interface RateLimitConfig {
  loginPerIp: RateLimitRule;
  loginPerCode: RateLimitRule;
  mutationsPerUser: RateLimitRule;
  /** pay.confirm's queries to WeChat Pay, per user. */
  payQueryPerUser: RateLimitRule;
}

export type RateLimitName = keyof RateLimitConfig;

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  loginPerIp: { points: 30, durationSeconds: 60 },
  loginPerCode: { points: 3, durationSeconds: 300 },
  mutationsPerUser: { points: 60, durationSeconds: 60 },
  // A client back from payment asks once, then perhaps every few seconds while it shows 支付中.
  payQueryPerUser: { points: 12, durationSeconds: 60 },
};

/**
 * While Redis is out, each instance counts on its own (rate-limiter-flexible's insurance limiter):
 * the limits fail open by at most the number of instances, for the length of the outage, rather
 * than failing every sign-in. `degradedDecisions` counts the decisions made that way.
 */
export class RateLimits {
  readonly #limiters: Record<RateLimitName, RateLimiterAbstract>;
  readonly #redis: Redis | null;
  readonly #telemetry: Telemetry;
  degradedDecisions = 0;

  /** Rules not given take DEFAULT_RATE_LIMITS'. Each refusal is told to `telemetry`. */
  constructor(redis: Redis | null, rules: Partial<RateLimitConfig> = {}, telemetry: Telemetry = noopTelemetry) {
    this.#redis = redis;
    this.#telemetry = telemetry;
    const config: RateLimitConfig = { ...DEFAULT_RATE_LIMITS, ...rules };
    const make = (name: RateLimitName): RateLimiterAbstract => {
      const { points, durationSeconds: duration } = config[name];
      const memory = new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration });
      // A failed command (at once while disconnected: the server's client keeps no offline queue;
      // after its command timeout while Redis hangs) falls to the insurance limiter.
      return redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${name}`, points, duration, insuranceLimiter: memory })
        : memory;
    };
    this.#limiters = {
      loginPerIp: make('loginPerIp'),
      loginPerCode: make('loginPerCode'),
      mutationsPerUser: make('mutationsPerUser'),
      payQueryPerUser: make('payQueryPerUser'),
    };
  }

  /** Takes one point; throws RATE_LIMITED with the seconds until the next point frees up. */
  async consume(name: RateLimitName, key: string): Promise<void> {
    if (this.#redis !== null && this.#redis.status !== 'ready') this.degradedDecisions += 1;
    try {
      await this.#limiters[name].consume(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        this.#telemetry.rateLimited(name);
        throw new AppError('RATE_LIMITED', { retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) });
      }
      throw error;
    }
  }
}
