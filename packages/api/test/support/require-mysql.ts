/**
 * Vitest global setup: the suite needs a real MySQL. When it cannot be reached the run fails
 * here, with the way to fix it, instead of skipping the tests that need it.
 */
import { createConnection } from 'mysql2/promise';

export default async function requireMysql(): Promise<void> {
  const uri = (process.env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');
  try {
    const conn = await createConnection({ uri, connectTimeout: 3_000 });
    await conn.end();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      [
        `Cannot reach the test MySQL at ${uri.replace(/:[^:@/]*@/, ':***@')} (${reason}).`,
        'These tests need a real MySQL/MariaDB. To start MariaDB and create the test user, run:',
        '  npm run setup        (or: bash scripts/setup.sh --services-only)',
        'or point TEST_MYSQL_URL at a server where the user may create databases named app_test_*.',
      ].join('\n'),
    );
  }
}
