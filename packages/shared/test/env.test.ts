import { describe, expect, it } from 'vitest';
import { checkWeChatDomain, clientEnvSchema, consoleDomainEntry, effectiveEnvVersion, selectApiBaseUrl } from '../src/env';

const rulesOf = (url: string, kind: Parameters<typeof checkWeChatDomain>[1] = 'request', ports: number[] = []) =>
  checkWeChatDomain(url, kind, ports).map((v) => v.rule);

describe('checkWeChatDomain', () => {
  it('accepts an https domain for request/upload/download and wss for sockets', () => {
    expect(rulesOf('https://api.example.com')).toEqual([]);
    expect(rulesOf('https://api.example.com/v1/trpc', 'upload')).toEqual([]);
    expect(rulesOf('wss://ws.example.com', 'socket')).toEqual([]);
  });

  it.each([
    ['http://api.example.com', 'request', ['protocol']],
    ['https://ws.example.com', 'socket', ['protocol']],
    ['https://192.168.1.10', 'request', ['ip']],
    ['https://[::1]', 'request', ['ip']],
    ['https://localhost', 'request', ['localhost']],
    ['http://localhost:3000', 'request', ['protocol', 'localhost', 'port']],
    ['https://api.example.com:443', 'request', ['port']],
    ['https://api.example.com:8443', 'request', ['port']],
    ['api.example.com', 'request', ['invalid']],
  ] as const)('rejects %s for %s', (url, kind, rules) => {
    expect(rulesOf(url, kind)).toEqual(rules);
  });

  it('accepts a port only when that exact port is registered', () => {
    expect(rulesOf('https://api.example.com:8443', 'request', [8443])).toEqual([]);
    expect(rulesOf('https://api.example.com:443', 'request', [443])).toEqual([]);
    expect(rulesOf('https://api.example.com:9443', 'request', [8443])).toEqual(['port']);
  });

  it('gives the admin console entry: scheme, host and port, lowercase, no path', () => {
    expect(consoleDomainEntry('https://API.example.com:8443/v1/trpc?x=1')).toBe('https://api.example.com:8443');
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
