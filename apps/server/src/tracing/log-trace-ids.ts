/**
 * Trace ids in log lines, so a line leads to its trace and a trace to its lines: `traceId` and
 * `spanId` right after the request's `reqId`. Installed as pino's mixin only when tracing is on
 * (logger.ts). The ids are those of the span active where the line is written (a procedure's, a
 * WeChat call's, for the lines of any logger); a request's own lines written outside its spans
 * (the request line, after the answer) carry its request span's ids, bound to its logger.
 */
import { trace, type SpanContext } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';

const REQUEST_SPAN = Symbol('requestSpan');
type SpanBoundLogger = { [REQUEST_SPAN]?: SpanContext };

/** Lines of this request's logger without an active span carry this span's ids. */
export function bindRequestSpan(logger: FastifyBaseLogger, span: SpanContext): void {
  (logger as unknown as SpanBoundLogger)[REQUEST_SPAN] = span;
}

/**
 * pino's `mixin`. A new object each time: pino merges the line's own fields into it.
 */
export function traceIdsMixin(_line: object, _level: number, logger: Logger): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext() ?? (logger as unknown as SpanBoundLogger)[REQUEST_SPAN];
  return span === undefined ? {} : { traceId: span.traceId, spanId: span.spanId };
}
