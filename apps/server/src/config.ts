/**
 * Server configuration, parsed from the environment once at start. A bad or missing variable stops
 * the start with a message naming each wrong variable; in production, secrets that are missing,
 * short, or copied from .env.example are refused.
 */
import { z } from 'zod';
import en from 'zod/v4/locales/en.js';
import packageJson from '../package.json' with { type: 'json' };

const MIN_SECRET_LENGTH = 32;

const DEFAULT_DEV_CORS_ORIGINS = 'http://localhost:10086,http://127.0.0.1:10086';

/** Secret variables: checked strictly in production, defaulted in development and test. */
const SECRET_VARIABLES = { JWT_SECRET: 'dev-only-insecure-jwt-secret-do-not-use-in-production' } as const;
type SecretVariable = keyof typeof SECRET_VARIABLES;
/** Development defaults are never acceptable in production; .env.example's values say "change-me". */
const KNOWN_INSECURE_SECRETS = new Set<string>(Object.values(SECRET_VARIABLES));

const booleanFromString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const originList = z.string().transform((value, ctx) => {
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://example.com` });
    }
  }
  return origins;
});

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z
      .string()
      .regex(/^(mysql:\/\/.+|sqlite:.+)$/, { message: 'expected mysql://user:password@host:port/database or sqlite:<file>' })
      .default('sqlite:.data/app.sqlite'),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    JWT_SECRET: z.string().optional(),
    CORS_ORIGINS: originList.optional(),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
    TRUST_PROXY: booleanFromString.default(false),
    APP_VERSION: z.string().min(1).optional(),
  });

/**
 * Production secret checks, on the raw environment: they must report alongside any other wrong
 * variable (zod skips refinements of an object whose fields failed).
 */
function secretProblems(env: Record<string, string>): Array<{ variable: string; message: string }> {
  if (env.NODE_ENV !== 'production') return [];
  return (Object.keys(SECRET_VARIABLES) as SecretVariable[]).flatMap((variable) => {
    const value = env[variable];
    const message =
      value === undefined
        ? 'is required in production'
        : value.length < MIN_SECRET_LENGTH
          ? `must be at least ${MIN_SECRET_LENGTH} characters in production`
          : KNOWN_INSECURE_SECRETS.has(value) || /change[-_]?me|example/i.test(value)
            ? 'is a placeholder value; generate one with: openssl rand -base64 48'
            : null;
    return message === null ? [] : [{ variable, message }];
  });
}

export interface Config {
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  host: string;
  port: number;
  logLevel: string;
  database: { url: string; poolSize: number };
  auth: { jwtSecret: string };
  corsOrigins: string[];
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  trustProxy: boolean;
  version: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(
      ['Invalid configuration (fix these environment variables):', ...problems.map((p) => `  ${p.variable}: ${p.message}`)].join(
        '\n',
      ),
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment. Empty strings count as unset, as in most .env tooling. */
export function loadConfig(environment: Record<string, string | undefined> = process.env): Config {
  const present: Record<string, string> = Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  // English messages here: this is read by operators, and the shared package sets zh-CN globally.
  const parsed = envSchema.safeParse(present, { error: en().localeError });
  // The messages never quote a value, so a mistyped secret is not echoed into logs.
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues).map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    })),
    ...secretProblems(present),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: { url: env.DATABASE_URL, poolSize: env.DB_POOL_SIZE },
    auth: { jwtSecret: env.JWT_SECRET ?? SECRET_VARIABLES.JWT_SECRET },
    corsOrigins: env.CORS_ORIGINS ?? (env.NODE_ENV === 'production' ? [] : DEFAULT_DEV_CORS_ORIGINS.split(',')),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    trustProxy: env.TRUST_PROXY,
    version: env.APP_VERSION ?? packageJson.version,
  };
}
