/**
 * The tracer of this package's spans (outgoing HTTP, database queries). A proxy until the server
 * registers an SDK (apps/server/src/tracing/sdk.ts): with tracing off, every span it makes is
 * @opentelemetry/api's non-recording one, and nothing is kept or sent.
 */
import { trace } from '@opentelemetry/api';

export const tracer = trace.getTracer('@app/api');
