/**
 * Where the suites find their real MySQL (MariaDB) and Redis: the one place that reads the
 * TEST_* variables. The MySQL user may create and drop databases named app_test_*
 * (scripts/setup.sh creates it). Also what a child process started by a test inherits.
 */
const env = process.env;

/** A MySQL server URL without a database name. */
export const TEST_MYSQL_URL = (env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');

export const TEST_REDIS_URL = env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The server image npm run test:image built (deploy/docker/test-image.sh names it). */
export const TEST_SERVER_IMAGE = env.TEST_SERVER_IMAGE ?? 'wechat-mp-server:test';

/**
 * The environment for a child process a test starts: only PATH and HOME of this one (so nothing
 * else leaks in, a developer's .env variables included), plus `extra`.
 */
export function inheritedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: env.PATH ?? '', HOME: env.HOME ?? '', ...extra };
}

/** A URL fit for a log or an error message: the password starred out. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
