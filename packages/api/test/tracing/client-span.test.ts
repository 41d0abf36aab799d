/**
 * The client span's two paths: with no SDK registered (tracing off) the exchange runs alone, with a
 * span that records nothing and no trace header; with a tracer provider registered it runs in a span
 * of that provider's tracer, and goes back to running alone once the API is disabled (as the SDK's
 * shutdown does). In this order: the module's tracer is bound to the API's provider of the time, and
 * disabling the API replaces that provider (the server registers an SDK once per process).
 */
import { describe, expect, it } from 'vitest';
import { INVALID_SPAN_CONTEXT, trace, type Span, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { inClientSpan } from '../../src/tracing/client-span';

const request = { method: 'GET', url: new URL('http://127.0.0.1:9/sns/jscode2session?appid=x&secret=s'), route: 'sns/jscode2session' };

/** A provider whose tracer records what it was asked to start and hands out spans that record nothing. */
function recordingProvider(): { provider: TracerProvider; started: Array<{ name: string; options: SpanOptions | undefined }> } {
  const started: Array<{ name: string; options: SpanOptions | undefined }> = [];
  const tracer: Tracer = {
    startSpan: (name, options) => {
      started.push({ name, options });
      return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    },
    startActiveSpan: () => {
      throw new Error('not used by inClientSpan');
    },
  };
  return { provider: { getTracer: () => tracer }, started };
}

describe('inClientSpan', () => {
  it('with tracing off runs the exchange alone: a span that records nothing, no trace header', async () => {
    let seen: { span: Span; headers: Record<string, string> } | undefined;
    const answer = await inClientSpan(request, (span, headers) => {
      seen = { span, headers };
      return Promise.resolve('answered');
    });
    expect(answer).toBe('answered');
    expect(seen?.span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(seen?.span.spanContext() ?? INVALID_SPAN_CONTEXT)).toBe(false);
    expect(seen?.headers).toEqual({});
  });

  it('passes a failed exchange on as it failed, with tracing off', async () => {
    const failure = new Error('refused');
    await expect(inClientSpan(request, () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('with a provider registered starts a client span named by the route, without the query; disabled, no longer', async () => {
    const { provider, started } = recordingProvider();
    trace.setGlobalTracerProvider(provider);
    try {
      await inClientSpan(request, () => Promise.resolve(null));
      expect(started).toHaveLength(1);
      expect(started[0]?.name).toBe('GET sns/jscode2session');
      expect(started[0]?.options?.attributes).toMatchObject({ 'url.full': 'http://127.0.0.1:9/sns/jscode2session', 'server.port': 9 });
      const failure = new Error('refused');
      await expect(inClientSpan(request, () => Promise.reject(failure))).rejects.toBe(failure);
      expect(started).toHaveLength(2);
    } finally {
      // As the SDK's shutdown does: from then on tracing is off again.
      trace.disable();
    }
    let headers: Record<string, string> | undefined;
    await inClientSpan(request, (_span, traceHeaders) => {
      headers = traceHeaders;
      return Promise.resolve(null);
    });
    expect(started).toHaveLength(2);
    expect(headers).toEqual({});
  });
});
