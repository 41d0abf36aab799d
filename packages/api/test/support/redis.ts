import { randomBytes } from 'node:crypto';
import { TEST_REDIS_URL } from '@app/test-support';
import { Redis } from 'ioredis';

/** A Redis connection whose keys this test owns: a unique prefix, deleted on close. */
export function createTestRedis(): { redis: Redis; prefix: string; close(): Promise<void> } {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
  return {
    redis,
    prefix,
    async close() {
      const raw = new Redis(TEST_REDIS_URL);
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      raw.disconnect();
      redis.disconnect();
    },
  };
}
