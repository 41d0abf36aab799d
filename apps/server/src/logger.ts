/**
 * pino, as JSON lines. Credentials and personal data are redacted by key wherever they appear
 * in the first three levels of a log object (headers, WeChat responses, user rows).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSensitive } from './redact';

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
      formatters: { level: (label) => ({ level: label }), log: redactSensitive },
    },
    destination,
  );
}
