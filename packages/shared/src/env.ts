/**
 * Environment and per-environment API domains of the mini-program.
 *
 * WeChat reports one of three run modes (`Taro.getAccountInfoSync().miniProgram.envVersion`);
 * the app picks its API base by that mode. The config is built from Taro env files (`TARO_APP_*`)
 * and validated with these schemas, at build time (check:domains) and at app start.
 */
import { z } from './zod';

export const envVersions = ['develop', 'trial', 'release'] as const;
export const envVersionSchema = z.enum(envVersions);
export type EnvVersion = z.infer<typeof envVersionSchema>;

const baseUrlSchema = z
  .url({ protocol: /^https?$/, message: 'API 地址必须是 http(s) 开头的完整地址' })
  .transform((value) => value.replace(/\/+$/, ''));

export const clientEnvSchema = z.object({
  /** The Taro build mode (`development`, `production`, or a custom `--mode`). */
  buildMode: z.string().min(1),
  /** Whether this is a production build: then a `develop` report never reaches a dev server. */
  production: z.boolean(),
  /** API base URL per WeChat run mode. */
  apiBaseUrl: z.object({ develop: baseUrlSchema, trial: baseUrlSchema, release: baseUrlSchema }),
  /** H5 has no `getAccountInfoSync`: the run mode it behaves as comes from config. */
  h5EnvVersion: envVersionSchema.default('develop'),
  /** Non-default ports registered in the admin console (https on :8443, say). */
  registeredPorts: z.array(z.number().int().min(1).max(65535)).default([]),
});
export type ClientEnv = z.infer<typeof clientEnvSchema>;

/**
 * The run mode the app should behave as. A build submitted for review reports `develop` while a
 * reviewer uses it, so in a production build `develop` is served by the release backend.
 */
export function effectiveEnvVersion(env: Pick<ClientEnv, 'production'>, reported: EnvVersion): EnvVersion {
  return env.production && reported === 'develop' ? 'release' : reported;
}

export function selectApiBaseUrl(env: ClientEnv, reported: EnvVersion): string {
  return env.apiBaseUrl[effectiveEnvVersion(env, reported)];
}

export type DomainKind = 'request' | 'upload' | 'download' | 'socket';

export interface DomainViolation {
  readonly url: string;
  readonly rule: 'invalid' | 'protocol' | 'ip' | 'localhost' | 'port';
  readonly message: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * WeChat's rules for server domains (request/upload/download: https; socket: wss; no IP address,
 * no localhost, and a port only when that exact port is registered in the admin console).
 * ICP filing cannot be checked from here.
 */
export function checkWeChatDomain(
  url: string,
  kind: DomainKind,
  registeredPorts: readonly number[] = [],
): DomainViolation[] {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!match) return [{ url, rule: 'invalid', message: '不是完整的 URL' }];
  const protocol = match[1]!.toLowerCase();
  const authority = match[2]!;
  const violations: DomainViolation[] = [];

  const expected = kind === 'socket' ? 'wss' : 'https';
  if (protocol !== expected) {
    violations.push({ url, rule: 'protocol', message: `${kind} 域名必须使用 ${expected}://` });
  }

  // The raw authority, not URL.port: the URL parser drops a default port such as an explicit :443.
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.replace(/^[^@]*@/, ''));
  const host = (hostPort?.[1] ?? '').toLowerCase();
  const port = hostPort?.[2];

  if (host === '' ) {
    violations.push({ url, rule: 'invalid', message: '缺少域名' });
  } else if (IPV4.test(host) || host.startsWith('[')) {
    violations.push({ url, rule: 'ip', message: '不能使用 IP 地址，请使用已备案的域名' });
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    violations.push({ url, rule: 'localhost', message: '不能使用 localhost' });
  }

  if (port !== undefined && !registeredPorts.includes(Number(port))) {
    violations.push({ url, rule: 'port', message: `端口 ${port} 未在后台登记，请去掉端口或登记该端口` });
  }
  return violations;
}

/** The entry to paste into the admin console's domain fields: scheme, host and a registered port. */
export function consoleDomainEntry(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(url);
  return (match?.[1] ?? url).toLowerCase();
}
