/**
 * A SERVER span per HTTP request, child of the caller's span when the request carries a W3C
 * `traceparent` (the mini-program's gateway, another service): from onRequest to the answer sent
 * (a request never answered because its client left has none: see installRequestSpans). Each
 * route's handler runs inside it, so what the handler does (procedures, queries, Redis commands,
 * WeChat calls) nests under it. Installed only when tracing is on (app.ts).
 *
 * Attributes follow the HTTP semantic conventions, without the query string (tRPC inputs live
 * there); `app.request_id` is the request's id (X-Request-Id), the handle users quote to support.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { bindRequestSpan } from './log-trace-ids';
import { tracer } from './tracer';

/** On the request itself, as request-context.ts keeps the request id: no WeakMap entry per request. */
const SPAN = Symbol('span');
const SPAN_CONTEXT = Symbol('spanContext');
type TracedRequest = FastifyRequest & { [SPAN]?: Span; [SPAN_CONTEXT]?: Context };

function startRequestSpan(request: FastifyRequest): void {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const route = request.routeOptions.url;
  const name = route === undefined ? request.method : `${request.method} ${route}`;
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
  // Described only when sampled: the configurable samplers decide without attributes.
  if (span.isRecording()) {
    const userAgent = request.headers['user-agent'];
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: request.method,
      [ATTR_URL_PATH]: request.url.split('?', 1)[0] ?? '/',
      [ATTR_URL_SCHEME]: request.protocol,
      [ATTR_NETWORK_PROTOCOL_VERSION]: request.raw.httpVersion,
      [ATTR_CLIENT_ADDRESS]: request.ip,
      'app.request_id': request.id,
      ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
      ...(userAgent === undefined ? {} : { [ATTR_USER_AGENT_ORIGINAL]: userAgent }),
    });
  }
  const traced = request as TracedRequest;
  traced[SPAN] = span;
  traced[SPAN_CONTEXT] = trace.setSpan(parent, span);
  bindRequestSpan(request.log, span.spanContext());
}

function endRequestSpan(request: FastifyRequest, status: number): void {
  const span = (request as TracedRequest)[SPAN];
  if (span === undefined) return;
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** The handler, run with the request's span active. */
function inRequestSpan(handler: RouteHandlerMethod): RouteHandlerMethod {
  return function (this: FastifyInstance, request, reply) {
    const active = (request as TracedRequest)[SPAN_CONTEXT];
    return active === undefined ? handler.call(this, request, reply) : context.with(active, handler, this, request, reply);
  };
}

/** Call before any route is added: routes added earlier would run outside their request's span. */
export function installRequestSpans(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.handler = inRequestSpan(route.handler);
  });
  // Callback hooks: no promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    startRequestSpan(request);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    endRequestSpan(request, reply.statusCode);
    done();
  });
  // No onRequestAbort hook: Fastify then adds a `close` listener to every request, which measured
  // about a tenth of a small query's CPU. A request whose client leaves and that is never answered
  // has no span of its own (what it did still has), as onResponse never runs for it.
}
