/**
 * Vitest global setup: the suites need a real MySQL and a real Redis. When either cannot be
 * reached the run fails here, saying how to fix it, instead of skipping the tests that need it.
 */
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { redactUrl, TEST_MYSQL_URL, TEST_REDIS_URL } from './test-services';

const HOW_TO_START = [
  'To start MariaDB and Redis and create the test user, run:',
  '  npm run setup        (or: bash scripts/setup.sh --services-only)',
].join('\n');

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Fails, saying how to fix it, when the test MySQL cannot be reached (the benchmarks need it too). */
export async function requireMysql(): Promise<void> {
  try {
    const connection = await createConnection({ uri: TEST_MYSQL_URL, connectTimeout: 3_000 });
    await connection.end();
  } catch (error) {
    throw new Error(
      [
        `Cannot reach the test MySQL at ${redactUrl(TEST_MYSQL_URL)} (${reason(error)}).`,
        'The tests and the benchmarks need a real MySQL/MariaDB.',
        HOW_TO_START,
        'or point TEST_MYSQL_URL at a server where the user may create databases named app_test_*.',
      ].join('\n'),
    );
  }
}

export default async function requireServices(): Promise<void> {
  await requireMysql();

  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      [
        `Cannot reach the test Redis at ${TEST_REDIS_URL} (${reason(error)}).`,
        HOW_TO_START,
        'or point TEST_REDIS_URL at a Redis server.',
      ].join('\n'),
    );
  } finally {
    redis.disconnect();
  }
}
