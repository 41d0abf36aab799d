import { LogCapture } from '@app/test-support';
import { buildApp, type BuildAppOptions } from '../../src/app';
import { ConfigError, loadConfig, type Config } from '../../src/config';

/** Config as the server would parse it, from test defaults plus the given variables. */
export function testConfig(variables: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: 'sqlite::memory:', ...variables });
}

/** What loadConfig refuses in these variables; a test fails if it accepts them. */
export function configProblemsOf(env: Record<string, string>): ConfigError['problems'] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

export async function buildTestApp(variables: Record<string, string> = {}, options: BuildAppOptions = {}) {
  const logs = new LogCapture();
  const app = await buildApp(testConfig(variables), { logStream: logs, ...options });
  return { app, logs };
}

export const PRODUCTION_SECRETS = {
  JWT_SECRET: 'Zq8v1mN4rT7wY0bE3hK6pS9uX2aD5gJ8lQ1oV4cF7iM0',
  SESSION_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
  WECHAT_APP_ID: 'wx1234567890abcdef',
  WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
  WECHAT_API_BASE_URL: 'http://127.0.0.1:1',
};
