/**
 * pino, as JSON lines. Credentials and personal data are redacted by key wherever they appear
 * in the first three levels of a log object (headers, WeChat responses, user rows).
 */
import pino, { type DestinationStream, type Logger } from 'pino';

const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'session_key',
  'sessionKey',
  'secret',
  'appSecret',
  'password',
  'phone',
  'phoneNumber',
  'purePhoneNumber',
  'encryptedData',
  'iv',
] as const;

/** Each key at the top level and one or two levels down, in bracket notation (keys may hold '-'). */
export const REDACTED_PATHS: string[] = SENSITIVE_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`, `*.*["${key}"]`]);

export interface LoggerOptions {
  level: string;
  version: string;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'server', version: options.version },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    },
    destination,
  );
}
