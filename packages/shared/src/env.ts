/**
 * Environment and per-environment API domains of the mini-program.
 *
 * WeChat reports one of three run modes (`Taro.getAccountInfoSync().miniProgram.envVersion`);
 * the app picks its API base by that mode. The config is built from Taro env files (`TARO_APP_*`)
 * and validated with these schemas, at build time (check:domains) and at app start.
 */
import * as z from 'zod/mini';
import './zod';

export const envVersions = ['develop', 'trial', 'release'] as const;
export const envVersionSchema = z.enum(envVersions);
export type EnvVersion = z.infer<typeof envVersionSchema>;

const baseUrlSchema = z.pipe(
  z.url({ protocol: /^https?$/, message: 'API 地址必须是 http(s) 开头的完整地址' }),
  z.transform((value: string) => value.replace(/\/+$/, '')),
);

/**
 * A subscribe-message template id as the admin console shows it (订阅消息 → 我的模板): 43
 * characters of letters, digits, `-` and `_` today; the rule is kept loose on length.
 */
const subscribeTemplateIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, { message: '订阅消息模板 ID 只能包含字母、数字、短横线和下划线' }));

export const clientEnvSchema = z.object({
  /** The Taro build mode (`development`, `production`, or a custom `--mode`). */
  buildMode: z.string().check(z.minLength(1)),
  /** Whether this is a production build: then a `develop` report never reaches a dev server. */
  production: z.boolean(),
  /** API base URL per WeChat run mode. */
  apiBaseUrl: z.object({ develop: baseUrlSchema, trial: baseUrlSchema, release: baseUrlSchema }),
  /** H5 has no `getAccountInfoSync`: the run mode it behaves as comes from config. */
  h5EnvVersion: z._default(envVersionSchema, 'develop'),
  /** Non-default ports registered in the admin console (https on :8443, say). */
  registeredPorts: z._default(z.array(z.int().check(z.minimum(1), z.maximum(65535))), []),
  /** Shown on the 环境 page and sent nowhere: the app's version and build. */
  buildVersion: z._default(z.string().check(z.minLength(1)), '0.0.0-dev'),
  /** H5 only: the WeChat mock that hands out dev login and phone codes (H5 has no wx.login). */
  wechatMockUrl: z._default(z.nullable(baseUrlSchema), null),
  /**
   * The 订阅消息 template the server sends once an order is paid (its WECHAT_PAID_MESSAGE_TEMPLATE_ID):
   * the app asks the user to accept it at checkout. Null: the app asks nothing.
   */
  paidMessageTemplateId: z._default(z.nullable(subscribeTemplateIdSchema), null),
});
export type ClientEnv = z.infer<typeof clientEnvSchema>;

/**
 * The Taro env-file variables (`.env.<mode>`) behind each field of the client config. Only
 * `TARO_APP_*` variables are inlined into the bundle by Taro.
 */
export const clientEnvVariables = {
  develop: 'TARO_APP_API_DEVELOP',
  trial: 'TARO_APP_API_TRIAL',
  release: 'TARO_APP_API_RELEASE',
  h5EnvVersion: 'TARO_APP_H5_ENV_VERSION',
  registeredPorts: 'TARO_APP_REGISTERED_PORTS',
  wechatMockUrl: 'TARO_APP_WECHAT_MOCK_URL',
  paidMessageTemplateId: 'TARO_APP_PAID_MESSAGE_TEMPLATE_ID',
} as const;
export type ClientEnvVariable = (typeof clientEnvVariables)[keyof typeof clientEnvVariables];

export interface ClientBuildFacts {
  mode: string;
  production: boolean;
  version?: string;
}

export type ClientEnvResult = { ok: true; env: ClientEnv } | { ok: false; problems: Array<{ variable: string; message: string }> };

const blankToUndefined = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

/**
 * Builds the client config from env-file variables and the build's facts. The same function runs
 * at build time (config/index.ts, check:domains) and at app start, so they cannot disagree.
 * Problems name the variable to fix.
 */
export function parseClientEnv(variables: Partial<Record<ClientEnvVariable, string>>, build: ClientBuildFacts): ClientEnvResult {
  const ports = blankToUndefined(variables.TARO_APP_REGISTERED_PORTS);
  const result = clientEnvSchema.safeParse({
    buildMode: build.mode,
    production: build.production,
    apiBaseUrl: {
      develop: variables.TARO_APP_API_DEVELOP,
      trial: variables.TARO_APP_API_TRIAL,
      release: variables.TARO_APP_API_RELEASE,
    },
    h5EnvVersion: blankToUndefined(variables.TARO_APP_H5_ENV_VERSION),
    registeredPorts: ports === undefined ? undefined : ports.split(',').map((port) => Number(port.trim())),
    buildVersion: build.version,
    wechatMockUrl: blankToUndefined(variables.TARO_APP_WECHAT_MOCK_URL) ?? null,
    paidMessageTemplateId: blankToUndefined(variables.TARO_APP_PAID_MESSAGE_TEMPLATE_ID) ?? null,
  });
  if (result.success) return { ok: true, env: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const [field, sub] = issue.path.map(String);
      const key = (field === 'apiBaseUrl' ? sub : field) as keyof typeof clientEnvVariables | undefined;
      return { variable: key && key in clientEnvVariables ? clientEnvVariables[key] : String(field), message: issue.message };
    }),
  };
}

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
  readonly rule: 'invalid' | 'protocol' | 'ip' | 'localhost' | 'placeholder' | 'port';
  readonly message: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Names reserved for documentation and tests (RFC 2606, RFC 6761): example.com/.net/.org and
 * their subdomains, and the .example, .test and .invalid top-level domains. No one can register
 * them with WeChat, so a build that reaches one was shipped with the template's placeholder.
 */
function isPlaceholderHost(host: string): boolean {
  return /(^|\.)example\.(com|net|org)$/.test(host) || /\.(example|test|invalid)$/.test(host);
}

/**
 * WeChat's rules for server domains (request/upload/download: https; socket: wss; no IP address,
 * no localhost, no placeholder such as api.example.com, and a port only when that exact port is
 * registered in the admin console).
 * ICP filing cannot be checked from here.
 */
export function checkWeChatDomain(url: string, kind: DomainKind, registeredPorts: readonly number[] = []): DomainViolation[] {
  // Both groups always take part in a match; the check only tells the type checker so.
  const [, scheme, authority] = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url) ?? [];
  if (scheme === undefined || authority === undefined) return [{ url, rule: 'invalid', message: '不是完整的 URL' }];
  const protocol = scheme.toLowerCase();
  const violations: DomainViolation[] = [];

  const expected = kind === 'socket' ? 'wss' : 'https';
  if (protocol !== expected) {
    violations.push({ url, rule: 'protocol', message: `${kind} 域名必须使用 ${expected}://` });
  }

  // The raw authority, not URL.port: the URL parser drops a default port such as an explicit :443.
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.replace(/^[^@]*@/, ''));
  const host = (hostPort?.[1] ?? '').toLowerCase();
  const port = hostPort?.[2];

  if (host === '') {
    violations.push({ url, rule: 'invalid', message: '缺少域名' });
  } else if (IPV4.test(host) || host.startsWith('[')) {
    violations.push({ url, rule: 'ip', message: '不能使用 IP 地址，请使用已备案的域名' });
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    violations.push({ url, rule: 'localhost', message: '不能使用 localhost' });
  } else if (isPlaceholderHost(host.replace(/\.$/, ''))) {
    violations.push({ url, rule: 'placeholder', message: '这是模板里的示例域名，请换成你在后台登记、已备案的域名' });
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

/** Run modes a build can reach: a production build never serves `develop` (see effectiveEnvVersion). */
export function reachableEnvVersions(env: Pick<ClientEnv, 'production'>): EnvVersion[] {
  return env.production ? ['trial', 'release'] : [...envVersions];
}

/** The kinds of domain the app uses: API calls, avatar uploads, and avatar downloads, all on the API. */
export const usedDomainKinds = ['request', 'upload', 'download'] as const satisfies readonly DomainKind[];

export interface DomainReport {
  entries: Array<{ envVersion: EnvVersion; url: string; violations: DomainViolation[] }>;
  /** What to paste into the admin console, per field (request/upload/download 合法域名). */
  consoleDomains: Record<(typeof usedDomainKinds)[number], string[]>;
  ok: boolean;
}

/** Checks every domain a build can reach against WeChat's rules (for `npm run check:domains`). */
export function domainReport(env: ClientEnv): DomainReport {
  const entries = reachableEnvVersions(env).map((envVersion) => {
    const url = env.apiBaseUrl[envVersion];
    const violations = usedDomainKinds.flatMap((kind) => checkWeChatDomain(url, kind, env.registeredPorts));
    // The three kinds share the https rules: report each distinct problem once.
    const unique = violations.filter((v, i) => violations.findIndex((w) => w.rule === v.rule) === i);
    return { envVersion, url, violations: unique };
  });
  const domains = [...new Set(entries.map((entry) => consoleDomainEntry(entry.url)))];
  return {
    entries,
    consoleDomains: { request: domains, upload: domains, download: domains },
    ok: entries.every((entry) => entry.violations.length === 0),
  };
}

/** Header carrying the tester-selected gray channel (环境 page); the server logs it. */
export const GRAY_CHANNEL_HEADER = 'x-gray-channel';
export const GRAY_CHANNEL_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const grayChannelSchema = z
  .string()
  .check(z.regex(GRAY_CHANNEL_PATTERN, { message: '灰度通道只能包含小写字母、数字和短横线，最多 32 个字符' }));
