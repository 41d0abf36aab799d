/**
 * Server configuration, parsed from the environment once at start. A bad or missing variable stops
 * the start with a message naming each wrong variable; in production, secrets that are missing,
 * short, or copied from .env.example are refused.
 */
import type { ServicesConfig, WeChatPaySettings } from '@app/api';
// zod/mini, as the shared contracts: the classic API would add half a megabyte to the bundle.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import packageJson from '../package.json' with { type: 'json' };
import { commaList } from './comma-list';
import { metricsSettings, type MetricsSettings } from './metrics-config';
import { paymentSettings } from './payment-config';
import { secretProblem, SECRET_VARIABLES, type ConfigProblem } from './secrets';
import { TRACING_VARIABLES, tracingConfig, type TracingConfig } from './tracing/tracing-config';

const DEFAULT_DEV_CORS_ORIGINS = 'http://localhost:10086,http://127.0.0.1:10086';

const DEV_WECHAT_APP_ID = 'wx0000000000000000';
const originList = z.pipe(
  z.string(),
  z.transform((value: string, ctx) =>
    commaList(value, ctx, (origin) =>
      /^https?:\/\/[^/\s]+$/.test(origin) ? null : `"${origin}" is not an origin like https://example.com`,
    ),
  ),
);

/**
 * Which proxies may say who the client is (X-Forwarded-For): none (`false`), the number of proxies
 * in front of the server (`1`, `2`: the client is the address that many hops from the right), or
 * their addresses and CIDRs (`10.0.0.0/8,127.0.0.1`: the client is the right-most address not in
 * the list). `true` is refused: it believes the left-most address, which any client can write.
 */
const trustProxy = z.pipe(
  z.string(),
  z.transform((value: string, ctx): false | number | string[] => {
    const text = value.trim();
    if (['false', '0', 'no', ''].includes(text)) return false;
    if (/^\d+$/.test(text)) return Number(text); // a hop count: 1 is one proxy, not "true"
    if (['true', 'yes', '*'].includes(text)) {
      ctx.issues.push({
        code: 'custom',
        message:
          'true would trust any X-Forwarded-For a client writes: give the number of proxies in front of the server (e.g. 1) or their addresses/CIDRs',
        input: value,
      });
      return false;
    }
    return commaList(text, ctx, (entry) =>
      /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) || ['loopback', 'linklocal', 'uniquelocal'].includes(entry)
        ? null
        : `"${entry}" is not an IP address, a CIDR, loopback, linklocal or uniquelocal`,
    );
  }),
);

/** A whole number from a variable's text, within bounds. */
const integer = (min: number, max: number, message?: string) =>
  z.pipe(z.coerce.number(message ? { message } : undefined), z.int().check(z.minimum(min), z.maximum(max)));
const text = () => z.string().check(z.minLength(1));
const withDefault = z._default;
/**
 * An API our client calls (WeChat's, WeChat Pay's, or a stand-in). No `user:password@`: the client
 * (undici) would not send them, and the calls would fail as unauthorised, far from the mistake.
 */
const apiBaseUrl = () =>
  z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).check(
    z.refine((text) => {
      // Also run on text that is no URL at all (zod goes on after a failed check): that one's problem is said above.
      const url = URL.parse(text);
      return url === null || (url.username === '' && url.password === '');
    }, 'expected a URL without user:password@ (the client does not send them)'),
  );

const envSchema = z.object({
  NODE_ENV: withDefault(z.enum(['development', 'test', 'production']), 'development'),
  HOST: withDefault(text(), '127.0.0.1'),
  PORT: withDefault(integer(0, 65535, 'expected a port number'), 3000),
  LOG_LEVEL: withDefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  DATABASE_URL: withDefault(
    z
      .string()
      .check(z.regex(/^(mysql:\/\/.+|sqlite:.+)$/, { message: 'expected mysql://user:password@host:port/database or sqlite:<file>' })),
    'sqlite:.data/app.sqlite',
  ),
  DB_POOL_SIZE: withDefault(integer(1, 200), 10),
  JWT_SECRET: z.optional(z.string()),
  JWT_ISSUER: withDefault(text(), 'wechat-miniprogram-api'),
  JWT_AUDIENCE: withDefault(text(), 'wechat-miniprogram'),
  ACCESS_TOKEN_TTL_SECONDS: withDefault(integer(10, 86_400), 900),
  REFRESH_TOKEN_TTL_SECONDS: withDefault(integer(60, 365 * 86_400), 30 * 86_400),
  JWT_CLOCK_TOLERANCE_SECONDS: withDefault(integer(0, 300), 30),
  // Sign-in sessions that ended over a day ago are deleted (packages/api, session-retention.ts),
  // looked for this often by each instance.
  SESSION_SWEEP_INTERVAL_MS: withDefault(integer(100, 86_400_000), 600_000),
  SESSION_KEY_ENCRYPTION_KEY: z.optional(
    z.string().check(
      z.refine((value) => Buffer.from(value, 'base64').length === 32, {
        message: 'expected 32 bytes in base64 (openssl rand -base64 32)',
      }),
    ),
  ),
  REDIS_URL: z.optional(z.string().check(z.regex(/^rediss?:\/\/.+/, { message: 'expected redis://host:port or rediss://…' }))),
  WECHAT_APP_ID: z.optional(z.string().check(z.regex(/^wx[0-9a-f]{16}$/, { message: 'expected an appid like wx0123456789abcdef' }))),
  WECHAT_APP_SECRET: z.optional(z.string()),
  WECHAT_API_BASE_URL: z.optional(apiBaseUrl()),
  WECHAT_TIMEOUT_MS: withDefault(integer(100, 60_000), 5_000),
  // A sign-in's (or a phone binding's) whole time with WeChat, retries included; unset: 6 s, or one
  // attempt's timeout when that is longer.
  WECHAT_BUDGET_MS: z.optional(integer(100, 120_000)),
  // The circuit breaker: it opens after this many consecutive failed calls, and lets a trial call
  // through after this long.
  WECHAT_BREAKER_THRESHOLD: withDefault(integer(1, 1_000), 5),
  WECHAT_BREAKER_HALF_OPEN_MS: withDefault(integer(100, 600_000), 10_000),
  RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: withDefault(integer(1, Number.MAX_SAFE_INTEGER), 30),
  RATE_LIMIT_MUTATIONS_PER_USER_PER_MINUTE: withDefault(integer(1, Number.MAX_SAFE_INTEGER), 60),
  CORS_ORIGINS: z.optional(originList),
  BODY_LIMIT_BYTES: withDefault(integer(1024, 50 * 1024 * 1024), 1024 * 1024),
  UPLOAD_DIR: withDefault(text(), '.data/uploads'),
  UPLOAD_MAX_BYTES: withDefault(integer(1024, 20 * 1024 * 1024), 2 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: withDefault(integer(0, 120_000), 10_000),
  // Slow clients (README, "Slow and broken clients"). The whole request, body included, must arrive
  // within REQUEST_TIMEOUT_MS: as long as the mini-program waits for an upload (60 s), so the server
  // never gives up on a request its client still waits for. Its headers within HEADERS_TIMEOUT_MS.
  REQUEST_TIMEOUT_MS: withDefault(integer(100, 3_600_000), 60_000),
  HEADERS_TIMEOUT_MS: withDefault(integer(100, 3_600_000), 10_000),
  // An idle connection is kept this long: longer than the 60 s idle timeout of common load balancers
  // (AWS ALB, nginx upstream keepalive), so that they, not the server, close it; else a request a
  // balancer sends just as the server closes the connection fails with a 502.
  KEEP_ALIVE_TIMEOUT_MS: withDefault(integer(100, 3_600_000), 72_000),
  TRUST_PROXY: withDefault(trustProxy, false),
  REDIS_COMMAND_TIMEOUT_MS: withDefault(integer(50, 10_000), 500),
  APP_VERSION: z.optional(text()),
  TRPC_HOST: withDefault(z.enum(['lean', 'official']), 'lean'),
  // The REST API's interactive reference at /reference (plugins/api-document.ts); unset: on
  // outside production, off in production.
  API_REFERENCE: z.optional(z.enum(['true', 'false'])),
  // Open a database connection and fetch the WeChat access token before listening (prewarm.ts):
  // for serverless platforms, whose first request would otherwise pay for both.
  PREWARM_ON_START: withDefault(z.enum(['true', 'false']), 'false'),
  // The shop: an unpaid order closes after this long, checked every ORDER_SWEEP_INTERVAL_MS.
  ORDER_PAYMENT_TIMEOUT_MINUTES: withDefault(integer(1, 7 * 24 * 60), 15),
  ORDER_SWEEP_INTERVAL_MS: withDefault(integer(100, 600_000), 5_000),
  // Durable jobs (the message after a payment): each instance looks for due ones this often.
  JOB_INTERVAL_MS: withDefault(integer(100, 600_000), 2_000),
  // The 订阅消息 template of "order paid" (admin console: 订阅消息 → 选用); unset: no message.
  WECHAT_PAID_MESSAGE_TEMPLATE_ID: z.optional(text()),
  // Which version of the mini-program a message opens: formal (正式版), trial (体验版), developer.
  WECHAT_MESSAGE_STATE: withDefault(z.enum(['formal', 'trial', 'developer']), 'formal'),
  // WeChat Pay (payment-config.ts): enabled by WECHATPAY_MCHID, then the others are required.
  WECHATPAY_MCHID: z.optional(z.string().check(z.regex(/^\d{6,20}$/, { message: 'expected a merchant id (mchid), digits only' }))),
  WECHATPAY_MERCHANT_SERIAL: z.optional(
    z.string().check(z.regex(/^[0-9A-Za-z]{8,64}$/, { message: 'expected the merchant API certificate serial number (hex)' })),
  ),
  WECHATPAY_PRIVATE_KEY: z.optional(z.string()),
  WECHATPAY_PRIVATE_KEY_PATH: z.optional(text()),
  WECHATPAY_APIV3_KEY: z.optional(z.string()),
  WECHATPAY_PUBLIC_KEY_ID: z.optional(z.string().check(z.regex(/^PUB_KEY_ID_\w+$/, { message: 'expected PUB_KEY_ID_…' }))),
  WECHATPAY_PUBLIC_KEY: z.optional(z.string()),
  WECHATPAY_PUBLIC_KEY_PATH: z.optional(text()),
  WECHATPAY_PLATFORM_CERT_PATHS: z.optional(text()),
  WECHATPAY_NOTIFY_URL: z.optional(z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' })),
  WECHATPAY_API_BASE_URL: z.optional(apiBaseUrl()),
  WECHATPAY_TIMEOUT_MS: withDefault(integer(100, 60_000), 5_000),
  // Prometheus metrics (metrics-config.ts): off unless METRICS_PORT or METRICS_TOKEN is set.
  METRICS_PORT: z.optional(integer(0, 65535, 'expected a port number')),
  METRICS_HOST: z.optional(text()),
  METRICS_TOKEN: z.optional(text()),
  // OpenTelemetry traces (tracing/tracing-config.ts): off unless an exporter or OTLP endpoint is set.
  ...TRACING_VARIABLES,
});

/**
 * Production secret checks, on the raw environment: they must report alongside any other wrong
 * variable (zod skips refinements of an object whose fields failed).
 */
function productionProblems(env: Record<string, string>): ConfigProblem[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: ConfigProblem[] = [];
  if (env.WECHAT_APP_ID === undefined) problems.push({ variable: 'WECHAT_APP_ID', message: 'is required in production' });
  for (const variable of Object.keys(SECRET_VARIABLES)) {
    const problem = secretProblem(variable, env[variable]);
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * Timeouts that contradict each other: Node refuses a headers timeout longer than the request
 * timeout (which includes the headers), and a WeChat budget shorter than one attempt's timeout
 * would cut every slow attempt short of its own timeout.
 */
function timeoutProblems(env: z.infer<typeof envSchema>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (env.HEADERS_TIMEOUT_MS > env.REQUEST_TIMEOUT_MS) {
    problems.push({ variable: 'HEADERS_TIMEOUT_MS', message: 'must not be longer than REQUEST_TIMEOUT_MS, which includes the headers' });
  }
  if (env.WECHAT_BUDGET_MS !== undefined && env.WECHAT_BUDGET_MS < env.WECHAT_TIMEOUT_MS) {
    problems.push({ variable: 'WECHAT_BUDGET_MS', message: 'must not be shorter than WECHAT_TIMEOUT_MS (one attempt)' });
  }
  return problems;
}

/** Every variable the server reads: .env.example documents each (a test holds it to that). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  host: string;
  port: number;
  logLevel: string;
  database: { url: string; poolSize: number };
  auth: ServicesConfig['auth'] & {
    clockToleranceSeconds: number;
    /** How often this instance deletes the sessions that ended long ago (packages/api, session-retention.ts). */
    sessionSweepIntervalMs: number;
  };
  redisUrl: string | null;
  rateLimits: { loginPerIpPerMinute: number; mutationsPerUserPerMinute: number };
  wechat: {
    appId: string;
    appSecret: string;
    /** WeChat's server API, or (in development) the WeChat mock standing in for it. */
    baseUrl: string;
    timeoutMs: number;
    /** Unset: the client's default (packages/api/src/wechat/client.ts). */
    budgetMs: number | undefined;
    breakerThreshold: number;
    breakerHalfOpenAfterMs: number;
  };
  corsOrigins: string[];
  bodyLimitBytes: number;
  uploads: { dir: string; maxBytes: number };
  shutdownTimeoutMs: number;
  /** Slow clients: the whole request, its headers, an idle keep-alive connection (ms). */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Fastify's trustProxy: false, a hop count, or the proxies' addresses/CIDRs. */
  trustProxy: false | number | string[];
  redisCommandTimeoutMs: number;
  version: string;
  /** Which tRPC host serves /trpc: the lean one, or tRPC's official Fastify adapter. */
  trpcHost: 'lean' | 'official';
  /** Serve the REST API's interactive reference page at /reference (/openapi.json is always served). */
  apiReference: boolean;
  /** Connect to the database and fetch the WeChat access token before listening. */
  prewarmOnStart: boolean;
  orders: { paymentTimeoutMinutes: number; sweepIntervalMs: number };
  jobs: { intervalMs: number };
  /** The message after a payment: its template (null: none) and the version it opens. */
  paidMessage: { templateId: string | null; state: 'formal' | 'trial' | 'developer' };
  /** WeChat Pay; null: payment disabled (WECHATPAY_MCHID unset). */
  pay: WeChatPaySettings | null;
  /** Prometheus metrics at /metrics; null: off (neither METRICS_PORT nor METRICS_TOKEN set). */
  metrics: MetricsSettings | null;
  /** OpenTelemetry traces; `enabled` false: no SDK is loaded and no span is made. */
  tracing: TracingConfig;
}

/**
 * The WeChat server API. Unset, production calls WeChat itself, and development and tests the
 * WeChat mock where `npm run dev` starts it (packages/wechat-mock; `npm start` and the dev
 * command pass the address of the one they started). The server never runs the mock itself.
 */
const WECHAT_API = 'https://api.weixin.qq.com';
export const DEV_WECHAT_MOCK_URL = 'http://127.0.0.1:3001';

function wechatBaseUrl(env: z.infer<typeof envSchema>): string {
  return env.WECHAT_API_BASE_URL ?? (env.NODE_ENV === 'production' ? WECHAT_API : DEV_WECHAT_MOCK_URL);
}

export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(['Invalid configuration (fix these environment variables):', ...problems.map((p) => `  ${p.variable}: ${p.message}`)].join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parses the environment. Empty strings count as unset, as in most .env tooling. */
export function loadConfig(environment: Record<string, string | undefined> = process.env): Config {
  const present: Record<string, string> = Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  // English messages here: this is read by operators, and the shared package sets zh-CN globally.
  const parsed = envSchema.safeParse(present, { error: en().localeError });
  // The messages never quote a value, so a mistyped secret is not echoed into logs.
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues).map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    })),
    ...productionProblems(present),
    ...(parsed.success ? timeoutProblems(parsed.data) : []),
  ];
  const payment = parsed.success
    ? paymentSettings(parsed.data, { production: parsed.data.NODE_ENV === 'production', devBaseUrl: wechatBaseUrl(parsed.data) })
    : null;
  problems.push(...(payment?.problems ?? []));
  const metrics = parsed.success ? metricsSettings(parsed.data, { production: parsed.data.NODE_ENV === 'production' }) : null;
  problems.push(...(metrics?.problems ?? []));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: { url: env.DATABASE_URL, poolSize: env.DB_POOL_SIZE },
    auth: {
      jwtSecret: env.JWT_SECRET ?? SECRET_VARIABLES.JWT_SECRET,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
      sessionKeyEncryptionKey: Buffer.from(env.SESSION_KEY_ENCRYPTION_KEY ?? SECRET_VARIABLES.SESSION_KEY_ENCRYPTION_KEY, 'base64'),
      sessionSweepIntervalMs: env.SESSION_SWEEP_INTERVAL_MS,
    },
    redisUrl: env.REDIS_URL ?? null,
    rateLimits: {
      loginPerIpPerMinute: env.RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE,
      mutationsPerUserPerMinute: env.RATE_LIMIT_MUTATIONS_PER_USER_PER_MINUTE,
    },
    wechat: {
      appId: env.WECHAT_APP_ID ?? DEV_WECHAT_APP_ID,
      appSecret: env.WECHAT_APP_SECRET ?? SECRET_VARIABLES.WECHAT_APP_SECRET,
      baseUrl: wechatBaseUrl(env),
      timeoutMs: env.WECHAT_TIMEOUT_MS,
      budgetMs: env.WECHAT_BUDGET_MS,
      breakerThreshold: env.WECHAT_BREAKER_THRESHOLD,
      breakerHalfOpenAfterMs: env.WECHAT_BREAKER_HALF_OPEN_MS,
    },
    corsOrigins: env.CORS_ORIGINS ?? (env.NODE_ENV === 'production' ? [] : DEFAULT_DEV_CORS_ORIGINS.split(',')),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    uploads: { dir: env.UPLOAD_DIR, maxBytes: env.UPLOAD_MAX_BYTES },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
    trustProxy: env.TRUST_PROXY,
    redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    version: env.APP_VERSION ?? packageJson.version,
    trpcHost: env.TRPC_HOST,
    apiReference: env.API_REFERENCE === undefined ? env.NODE_ENV !== 'production' : env.API_REFERENCE === 'true',
    prewarmOnStart: env.PREWARM_ON_START === 'true',
    orders: { paymentTimeoutMinutes: env.ORDER_PAYMENT_TIMEOUT_MINUTES, sweepIntervalMs: env.ORDER_SWEEP_INTERVAL_MS },
    jobs: { intervalMs: env.JOB_INTERVAL_MS },
    paidMessage: { templateId: env.WECHAT_PAID_MESSAGE_TEMPLATE_ID ?? null, state: env.WECHAT_MESSAGE_STATE },
    pay: payment?.settings ?? null,
    metrics: metrics?.settings ?? null,
    tracing: tracingConfig(env),
  };
}
