import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, DEV_WECHAT_MOCK_URL, loadConfig } from '../src/config';
import { configProblemsOf as problemsOf, PRODUCTION_SECRETS } from './support/app';

describe('loadConfig', () => {
  it('has defaults that run locally with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      isProduction: false,
      host: '127.0.0.1',
      port: 3000,
      database: { url: 'sqlite:.data/app.sqlite' },
      bodyLimitBytes: 1024 * 1024,
    });
    expect(config.corsOrigins).toContain('http://localhost:10086');
    expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('parses and converts the variables it is given; empty means unset', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      DATABASE_URL: 'mysql://u:p@db:3306/app',
      CORS_ORIGINS: 'https://h5.example.com, http://localhost:10086',
      TRUST_PROXY: '1',
      LOG_LEVEL: '',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      database: { url: 'mysql://u:p@db:3306/app' },
      corsOrigins: ['https://h5.example.com', 'http://localhost:10086'],
      trustProxy: 1,
      logLevel: 'info',
    });
  });

  it('names every wrong variable at once, in English', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'postgres://x', CORS_ORIGINS: 'not an origin', LOG_LEVEL: 'loud' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['CORS_ORIGINS', 'DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(problems.find((p) => p.variable === 'PORT')?.message).toBe('expected a port number');
    expect(problems.find((p) => p.variable === 'LOG_LEVEL')?.message).toMatch(/expected one of/i);
    expect(new ConfigError(problems).message).toContain('PORT: expected a port number');
  });

  function production(overrides: Record<string, string | undefined>): Record<string, string> {
    const env: Record<string, string | undefined> = { NODE_ENV: 'production', ...PRODUCTION_SECRETS, ...overrides };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  it('names every missing production secret and the missing appid at once', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      { variable: 'WECHAT_APP_ID', message: 'is required in production' },
      { variable: 'JWT_SECRET', message: 'is required in production' },
      { variable: 'SESSION_KEY_ENCRYPTION_KEY', message: 'is required in production' },
      { variable: 'WECHAT_APP_SECRET', message: 'is required in production' },
    ]);
  });

  it('refuses a short secret in production without echoing it', () => {
    const problems = problemsOf(production({ JWT_SECRET: 'tooshort-secret-value' }));
    expect(problems).toEqual([{ variable: 'JWT_SECRET', message: 'must be at least 32 characters in production' }]);
    expect(JSON.stringify(problems)).not.toContain('tooshort-secret-value');
  });

  it('refuses the example and development secrets in production', () => {
    const fromExample = problemsOf(production({ JWT_SECRET: 'change-me-to-a-random-string-of-at-least-48-characters' }));
    const namesThePlaceholder: unknown = expect.stringMatching(/placeholder/);
    expect(fromExample).toEqual([{ variable: 'JWT_SECRET', message: namesThePlaceholder }]);
    const devDefaults = loadConfig({});
    expect(problemsOf(production({ JWT_SECRET: devDefaults.auth.jwtSecret }))[0]?.message).toMatch(/placeholder/);
    expect(problemsOf(production({ WECHAT_APP_SECRET: devDefaults.wechat.appSecret }))[0]?.message).toMatch(/placeholder/);
    const devKey = devDefaults.auth.sessionKeyEncryptionKey.toString('base64');
    expect(problemsOf(production({ SESSION_KEY_ENCRYPTION_KEY: devKey }))[0]).toMatchObject({ variable: 'SESSION_KEY_ENCRYPTION_KEY' });
  });

  it('checks the shape of keys, appids and URLs in any environment', () => {
    const problems = problemsOf({ SESSION_KEY_ENCRYPTION_KEY: 'c2hvcnQ=', WECHAT_APP_ID: 'not-an-appid', REDIS_URL: 'localhost:6379' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['REDIS_URL', 'SESSION_KEY_ENCRYPTION_KEY', 'WECHAT_APP_ID']);
  });

  it('talks to the dev WeChat mock outside production unless told otherwise, to WeChat itself in production', () => {
    expect(loadConfig({}).wechat.baseUrl).toBe(DEV_WECHAT_MOCK_URL);
    expect(loadConfig({ WECHAT_API_BASE_URL: 'http://127.0.0.1:4000' }).wechat.baseUrl).toBe('http://127.0.0.1:4000');
    const { WECHAT_API_BASE_URL: _unused, ...withoutUrl } = PRODUCTION_SECRETS;
    expect(loadConfig({ NODE_ENV: 'production', ...withoutUrl }).wechat.baseUrl).toBe('https://api.weixin.qq.com');
  });

  it("refuses credentials in an API's base URL, which the client would silently not send", () => {
    const problems = problemsOf({
      WECHAT_API_BASE_URL: 'https://user:secret@wechat-proxy.internal',
      WECHATPAY_API_BASE_URL: 'https://token@pay-proxy.internal',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(['WECHATPAY_API_BASE_URL', 'WECHAT_API_BASE_URL']);
    expect(problems[0]?.message).toContain('without user:password@');
    expect(JSON.stringify(problems)).not.toContain('secret'); // the value is not repeated back
    // Text that is no URL at all is one problem, not a crash of the check.
    expect(problemsOf({ WECHAT_API_BASE_URL: 'not a url', WECHATPAY_API_BASE_URL: 'http://' })).toEqual([
      { variable: 'WECHAT_API_BASE_URL', message: 'expected an http(s) URL' },
      { variable: 'WECHATPAY_API_BASE_URL', message: 'expected an http(s) URL' },
    ]);
  });

  it('accepts a real secret in production and has no dev CORS origins there', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS });
    expect(config.isProduction).toBe(true);
    expect(config.corsOrigins).toEqual([]);
  });

  it("documents every variable it reads in .env.example, and nothing it does not read but the dev stack's", () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect([...CONFIG_VARIABLES].sort()).toEqual(documented.filter((name) => name !== 'WECHAT_MOCK_PORT').sort());
    expect(documented).toContain('WECHAT_MOCK_PORT'); // read by npm run dev and the mock, not by the server
  });
});
