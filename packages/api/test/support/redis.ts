import { randomBytes } from 'node:crypto';
import { TEST_REDIS_URL } from '@app/test-support';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection whose keys this test owns: a unique prefix, deleted on close. `url` may be one
 * where nothing listens (an outage); the other options are ioredis's.
 */
export function createTestRedis(options: RedisOptions & { url?: string } = {}): { redis: Redis; prefix: string; close(): Promise<void> } {
  const { url = TEST_REDIS_URL, ...redisOptions } = options;
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(url, { maxRetriesPerRequest: 1, ...redisOptions, keyPrefix: prefix });
  return {
    redis,
    prefix,
    async close() {
      redis.disconnect();
      if (url !== TEST_REDIS_URL) return; // nothing was written where nothing listens
      const raw = new Redis(TEST_REDIS_URL);
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      raw.disconnect();
    },
  };
}

/** A Redis where nothing listens (an outage), failing each command at once as the server's client does. */
export function createDownRedis(): ReturnType<typeof createTestRedis> {
  const down = createTestRedis({ url: 'redis://127.0.0.1:1', enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
  down.redis.on('error', () => undefined); // the outage is the point
  return down;
}
