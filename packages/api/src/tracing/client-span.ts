/**
 * A CLIENT span around one outgoing HTTP exchange (the WeChat API's and WeChat Pay's clients), and
 * the W3C `traceparent` header to send with it, so that the callee can join the trace. With tracing
 * off (no SDK registered) no span is made and no header is added. Checked per exchange, where the
 * database's query spans are installed or not once (createDatabase's `traceQueries`): the database
 * is opened before the server starts its SDK, the first exchange comes after.
 */
import { context, INVALID_SPAN_CONTEXT, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { tracer, tracingRegistered } from './tracer';

export interface OutgoingRequest {
  method: string;
  url: URL;
  /** What is called, without ids (`sns/jscode2session`, `/v3/pay/transactions/out-trade-no/{out_trade_no}`): the span's name. */
  route: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** What an exchange is given with tracing off: a span that records nothing. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `exchange` in a span named `METHOD route`, giving it the headers that carry the trace. A
 * throw marks the span failed (`error.type`: the error's name); the exchange adds what it learns
 * (the response status, WeChat's errcode) to the span itself.
 */
export function inClientSpan<T>(
  request: OutgoingRequest,
  exchange: (span: Span, traceHeaders: Record<string, string>) => Promise<T>,
): Promise<T> {
  // Tracing off (no SDK registered): the span would record nothing and carry no trace, and making
  // it (its attributes, a context, an async frame) cost a sign-in ~1 % of its CPU.
  if (!tracingRegistered()) return exchange(NO_SPAN, {});
  return inRecordedClientSpan(request, exchange);
}

async function inRecordedClientSpan<T>(
  request: OutgoingRequest,
  exchange: (span: Span, traceHeaders: Record<string, string>) => Promise<T>,
): Promise<T> {
  const { url } = request;
  const span = tracer.startSpan(`${request.method} ${request.route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: request.method,
      // Never the query: WeChat's carries the app secret, login and phone codes, access tokens.
      [ATTR_URL_FULL]: `${url.origin}${url.pathname}`,
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port),
    },
  });
  const active = trace.setSpan(context.active(), span);
  const traceHeaders: Record<string, string> = {};
  propagation.inject(active, traceHeaders);
  try {
    return await context.with(active, exchange, undefined, span, traceHeaders);
  } catch (error) {
    span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'Error');
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
