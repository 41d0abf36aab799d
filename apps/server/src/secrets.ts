/**
 * The server's secrets in production: what counts as a placeholder, and what is wrong with a
 * secret (missing, short, a placeholder), named by its variable. Apart from config.ts so that
 * payment-config.ts and metrics-config.ts use it without importing the module that imports them.
 */

/** One thing wrong with the environment, naming the variable. */
export type ConfigProblem = { variable: string; message: string };

const MIN_SECRET_LENGTH = 32;

/** Secret variables: checked strictly in production, defaulted in development and test. */
export const SECRET_VARIABLES = {
  JWT_SECRET: 'dev-only-insecure-jwt-secret-do-not-use-in-production',
  // base64 of 32 bytes, as the real one must be.
  SESSION_KEY_ENCRYPTION_KEY: Buffer.from('dev-only-session-key-encryption!', 'utf8').toString('base64'),
  WECHAT_APP_SECRET: 'dev-only-wechat-app-secret-for-the-mock',
} as const;
/** Development defaults are never acceptable in production; .env.example's values say "change-me". */
const KNOWN_INSECURE_SECRETS = new Set<string>(Object.values(SECRET_VARIABLES));
/** .env.example's placeholders and the dev values (this server's defaults, the WeChat mock's merchant). */
const PLACEHOLDER = /change[-_]?me|example|dev[-_]?only/i;

/** Whether a value must never reach production: a placeholder or a development value. */
export function isPlaceholder(value: string): boolean {
  return KNOWN_INSECURE_SECRETS.has(value) || PLACEHOLDER.test(value);
}

/** What is wrong with a secret in production (missing, short, a placeholder), naming its variable; null: nothing. */
export function secretProblem(variable: string, value: string | undefined): ConfigProblem | null {
  const message =
    value === undefined
      ? 'is required in production'
      : value.length < MIN_SECRET_LENGTH
        ? `must be at least ${MIN_SECRET_LENGTH} characters in production`
        : isPlaceholder(value)
          ? 'is a placeholder value; generate one with: openssl rand -base64 48'
          : null;
  return message === null ? null : { variable, message };
}
