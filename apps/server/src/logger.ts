/**
 * pino, as JSON lines. Credentials and personal data are redacted by key wherever they appear
 * in the first three levels of a log object (headers, WeChat responses, user rows).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSensitive } from './redact';
import { traceIdsMixin } from './tracing/log-trace-ids';

export interface LoggerOptions {
  level: string;
  version: string;
  /** Trace ids in every line written within a span (tracing/log-trace-ids.ts); only with tracing on, as it runs per line. */
  traceIds?: boolean;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'server', version: options.version },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactSensitive },
      ...(options.traceIds ? { mixin: traceIdsMixin } : {}),
    },
    destination,
  );
}
