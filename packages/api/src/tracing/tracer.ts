/**
 * The tracer of this package's spans (outgoing HTTP, database queries). A proxy until the server
 * registers an SDK (apps/server/src/tracing/sdk.ts): with tracing off, every span it makes is
 * @opentelemetry/api's non-recording one, and nothing is kept or sent.
 */
import { ProxyTracerProvider, trace } from '@opentelemetry/api';

const TRACER_NAME = '@app/api';

export const tracer = trace.getTracer(TRACER_NAME);

/**
 * Whether an SDK is registered now, so that a span could record or carry a trace. Without one the
 * global provider is @opentelemetry/api's proxy with no delegate (also after the SDK's shutdown,
 * which disables the API), and the global propagator writes nothing.
 */
export function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
}
