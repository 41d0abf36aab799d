/**
 * The tracer of the server's own spans (requests, procedures, Redis commands): @opentelemetry/api's
 * proxy, which does nothing until sdk.ts registers a provider.
 */
import { trace } from '@opentelemetry/api';

export const tracer = trace.getTracer('@app/server');
