/**
 * A span per procedure call, child of the request's span (a batch's calls are siblings): through
 * the lean tRPC host's `aroundCall`, so it covers input parsing, middlewares (authentication), the
 * resolver and output validation. Installed only when tracing is on. tRPC's official adapter
 * (TRPC_HOST=official) has no such seam: there, a call's work nests directly under the request.
 *
 * A failed call records its application error code (`error.type`, e.g. WECHAT_UNAVAILABLE); only
 * server faults (5xx) mark the span as an error, as for HTTP server spans.
 */
import { classifyError } from '@app/api';
import { errorCatalog } from '@app/shared';
import type { AroundCall } from '@app/trpc-host';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import { tracer } from './tracer';

function recordFailure(span: Span, cause: unknown): void {
  const error = getTRPCErrorFromUnknown(cause);
  const { appCode } = classifyError(error);
  span.setAttribute(ATTR_ERROR_TYPE, appCode);
  if (errorCatalog[appCode].status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

export const procedureSpans: AroundCall = (call, _request, invoke) => {
  // A request the sampler left out: its calls would not be sampled either.
  if (trace.getActiveSpan()?.isRecording() !== true) return invoke();
  const span = tracer.startSpan(call.path, {
    kind: SpanKind.INTERNAL,
    attributes: {
      [ATTR_RPC_SYSTEM_NAME]: 'trpc',
      [ATTR_RPC_METHOD]: call.path,
      'trpc.procedure.type': call.type,
      'trpc.batch.index': call.index,
    },
  });
  return context.with(trace.setSpan(context.active(), span), invoke).then(
    (data) => {
      span.end();
      return data;
    },
    (cause: unknown) => {
      recordFailure(span, cause);
      span.end();
      throw cause;
    },
  );
};
