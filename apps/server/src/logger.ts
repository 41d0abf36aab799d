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

let lastMs = Number.NaN;
let lastTime = '';
/**
 * pino's isoTime, formatted once per millisecond: under load several lines fall in the same one,
 * and formatting the date was ~2 % of a request's CPU (user.me, in a profile under load).
 */
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'server', version: options.version },
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactSensitive },
      ...(options.traceIds ? { mixin: traceIdsMixin } : {}),
    },
    destination,
  );
}
