import { describe, expect, it } from 'vitest';
import {
  checkWeChatDomain,
  clientEnvSchema,
  consoleDomainEntry,
  domainReport,
  effectiveEnvVersion,
  grayChannelSchema,
  parseClientEnv,
  reachableEnvVersions,
  selectApiBaseUrl,
} from '../src/env';
import { assetUrl } from '../src/schemas/upload';

const rulesOf = (url: string, kind: Parameters<typeof checkWeChatDomain>[1] = 'request', ports: number[] = []) =>
  checkWeChatDomain(url, kind, ports).map((v) => v.rule);

describe('checkWeChatDomain', () => {
  it('accepts an https domain for request/upload/download and wss for sockets', () => {
    expect(rulesOf('https://api.shop.cn')).toEqual([]);
    expect(rulesOf('https://api.shop.cn/v1/trpc', 'upload')).toEqual([]);
    expect(rulesOf('wss://ws.shop.cn', 'socket')).toEqual([]);
  });

  it.each([
    ['http://api.shop.cn', 'request', ['protocol']],
    ['https://ws.shop.cn', 'socket', ['protocol']],
    ['https://192.168.1.10', 'request', ['ip']],
    ['https://[::1]', 'request', ['ip']],
    ['https://localhost', 'request', ['localhost']],
    ['http://localhost:3000', 'request', ['protocol', 'localhost', 'port']],
    ['https://api.shop.cn:443', 'request', ['port']],
    ['https://api.shop.cn:8443', 'request', ['port']],
    ['api.shop.cn', 'request', ['invalid']],
  ] as const)('rejects %s for %s', (url, kind, rules) => {
    expect(rulesOf(url, kind)).toEqual(rules);
  });

  it.each([
    'https://api.example.com',
    'https://EXAMPLE.org',
    'https://api.example.net/trpc',
    'https://api.shop.example',
    'https://api.test',
    'https://api.invalid.',
  ])('refuses the placeholder %s (a name reserved for examples, which no one can register)', (url) => {
    expect(rulesOf(url)).toEqual(['placeholder']);
  });

  it('does not take a real domain that merely contains "example" for a placeholder', () => {
    expect(rulesOf('https://example.com.cn')).toEqual([]);
    expect(rulesOf('https://myexample.com')).toEqual([]);
    expect(rulesOf('https://api.testing.cn')).toEqual([]);
  });

  it('accepts a port only when that exact port is registered', () => {
    expect(rulesOf('https://api.shop.cn:8443', 'request', [8443])).toEqual([]);
    expect(rulesOf('https://api.shop.cn:443', 'request', [443])).toEqual([]);
    expect(rulesOf('https://api.shop.cn:9443', 'request', [8443])).toEqual(['port']);
  });

  it('gives the admin console entry: scheme, host and port, lowercase, no path', () => {
    expect(consoleDomainEntry('https://API.shop.cn:8443/v1/trpc?x=1')).toBe('https://api.shop.cn:8443');
  });
});

describe('per-environment API base', () => {
  const env = clientEnvSchema.parse({
    buildMode: 'production',
    production: true,
    apiBaseUrl: { develop: 'https://dev.example.com/', trial: 'https://trial.example.com', release: 'https://api.example.com' },
  });

  it('strips trailing slashes and defaults H5 to develop', () => {
    expect(env.apiBaseUrl.develop).toBe('https://dev.example.com');
    expect(env.h5EnvVersion).toBe('develop');
  });

  it('never sends a production build under review (reported as develop) to the dev server', () => {
    expect(effectiveEnvVersion(env, 'develop')).toBe('release');
    expect(selectApiBaseUrl(env, 'develop')).toBe('https://api.example.com');
    expect(selectApiBaseUrl(env, 'trial')).toBe('https://trial.example.com');
    expect(selectApiBaseUrl(env, 'release')).toBe('https://api.example.com');
  });

  it('lets a development build use the develop server', () => {
    expect(selectApiBaseUrl({ ...env, production: false }, 'develop')).toBe('https://dev.example.com');
  });

  it('rejects a base that is not an http(s) URL, with a zh-CN message', () => {
    const result = clientEnvSchema.safeParse({
      buildMode: 'development',
      production: false,
      apiBaseUrl: { develop: 'ftp://x', trial: 'https://t.example.com', release: 'https://r.example.com' },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['apiBaseUrl', 'develop']);
    expect(result.error?.issues[0]?.message).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('parseClientEnv', () => {
  const variables = {
    TARO_APP_API_DEVELOP: 'http://127.0.0.1:3000',
    TARO_APP_API_TRIAL: 'https://trial.example.com',
    TARO_APP_API_RELEASE: 'https://api.example.com',
  };

  it('builds the typed config from env-file variables, blank ones counting as unset', () => {
    const result = parseClientEnv(
      { ...variables, TARO_APP_REGISTERED_PORTS: '8443, 9443', TARO_APP_H5_ENV_VERSION: ' ', TARO_APP_WECHAT_MOCK_URL: '' },
      { mode: 'staging', production: true, version: '1.2.3' },
    );
    expect(result).toEqual({
      ok: true,
      env: {
        buildMode: 'staging',
        production: true,
        apiBaseUrl: { develop: 'http://127.0.0.1:3000', trial: 'https://trial.example.com', release: 'https://api.example.com' },
        h5EnvVersion: 'develop',
        registeredPorts: [8443, 9443],
        buildVersion: '1.2.3',
        wechatMockUrl: null,
        paidMessageTemplateId: null,
      },
    });
  });

  it('takes the paid-message template id when set, and names its variable when it is malformed', () => {
    const template = 'Ab3_-kQyZ0wq0o2zvbR9lX8xX8c9nGg7QhN6fPd1K2M';
    const set = parseClientEnv({ ...variables, TARO_APP_PAID_MESSAGE_TEMPLATE_ID: ` ${template} ` }, { mode: 'e2e', production: true });
    expect(set.ok && set.env.paidMessageTemplateId).toBe(template);
    const bad = parseClientEnv({ ...variables, TARO_APP_PAID_MESSAGE_TEMPLATE_ID: 'not a template' }, { mode: 'e2e', production: true });
    expect(!bad.ok && bad.problems.map((p) => p.variable)).toEqual(['TARO_APP_PAID_MESSAGE_TEMPLATE_ID']);
  });

  it('names the variable behind each problem', () => {
    const result = parseClientEnv(
      { ...variables, TARO_APP_API_RELEASE: undefined, TARO_APP_REGISTERED_PORTS: 'x', TARO_APP_H5_ENV_VERSION: 'prod' },
      { mode: 'production', production: true },
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.variable).sort()).toEqual([
      'TARO_APP_API_RELEASE',
      'TARO_APP_H5_ENV_VERSION',
      'TARO_APP_REGISTERED_PORTS',
    ]);
  });
});

describe('domainReport', () => {
  const parse = (apiBaseUrl: Record<'develop' | 'trial' | 'release', string>, production: boolean, registeredPorts: number[] = []) =>
    clientEnvSchema.parse({ buildMode: 'x', production, apiBaseUrl, registeredPorts });

  it('checks what a production build can reach (not develop) and lists each domain once', () => {
    const report = domainReport(
      parse({ develop: 'http://localhost:3000', trial: 'https://api.shop.cn/trial', release: 'https://API.shop.cn' }, true),
    );
    expect(report.ok).toBe(true);
    expect(report.entries.map((e) => e.envVersion)).toEqual(['trial', 'release']);
    expect(report.consoleDomains.request).toEqual(['https://api.shop.cn']);
  });

  it('reports each rule a domain breaks once, across request, upload and download', () => {
    const report = domainReport(
      parse({ develop: 'http://192.168.1.2:3000', trial: 'https://t.shop.cn', release: 'https://r.shop.cn' }, false),
    );
    expect(report.ok).toBe(false);
    expect(report.entries[0]!.violations.map((v) => v.rule)).toEqual(['protocol', 'ip', 'port']);
    expect(reachableEnvVersions({ production: false })).toEqual(['develop', 'trial', 'release']);
  });
});

describe('small contracts', () => {
  it('accepts gray channel names and refuses others in zh-CN', () => {
    expect(grayChannelSchema.safeParse('canary-2').success).toBe(true);
    const bad = grayChannelSchema.safeParse('Canary 2');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/灰度通道/);
  });

  it('resolves stored asset paths against the API base and leaves absolute URLs alone', () => {
    expect(assetUrl('https://api.example.com/', '/uploads/a.png')).toBe('https://api.example.com/uploads/a.png');
    expect(assetUrl('https://api.example.com', 'https://cdn.example.com/a.png')).toBe('https://cdn.example.com/a.png');
  });
});
