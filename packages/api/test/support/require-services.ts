/**
 * Vitest global setup: the suites need a real MySQL and a real Redis. When either cannot be
 * reached the run fails here, saying how to fix it, instead of skipping the tests that need it.
 */
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';

const HOW_TO_START = [
  'To start MariaDB and Redis and create the test user, run:',
  '  npm run setup        (or: bash scripts/setup.sh --services-only)',
].join('\n');

export default async function requireServices(): Promise<void> {
  const mysqlUrl = (process.env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');
  try {
    const conn = await createConnection({ uri: mysqlUrl, connectTimeout: 3_000 });
    await conn.end();
  } catch (error) {
    throw new Error(
      [
        `Cannot reach the test MySQL at ${mysqlUrl.replace(/:[^:@/]*@/, ':***@')} (${error instanceof Error ? error.message : String(error)}).`,
        'These tests need a real MySQL/MariaDB.',
        HOW_TO_START,
        'or point TEST_MYSQL_URL at a server where the user may create databases named app_test_*.',
      ].join('\n'),
    );
  }

  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      [
        `Cannot reach the test Redis at ${redisUrl} (${error instanceof Error ? error.message : String(error)}).`,
        HOW_TO_START,
        'or point TEST_REDIS_URL at a Redis server.',
      ].join('\n'),
    );
  } finally {
    redis.disconnect();
  }
}
