/**
 * Security headers and CORS. Mini-program requests carry no Origin, so CORS only concerns the
 * H5 build: allowed origins are echoed with credentials (H5 `Taro.uploadFile` sends them).
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import { REQUEST_ID_HEADER } from '@app/shared';

/**
 * helmet's headers, recorded once from helmet itself: with this configuration they depend on
 * nothing in the request (no CSP nonces). Given to Fastify as reply headers they reach Node in
 * writeHead's one object; set on the raw response, helmet's own way, they sent every header of the
 * answer through Node's setHeader checks as well (its path for headers set both ways).
 */
export function recordSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    // helmet removes X-Powered-By, which Fastify never sets.
    removeHeader: (): void => undefined,
  };
  // helmet 8 runs its middlewares synchronously and, without CSP directives written as functions
  // (per-request values such as nonces, which a recording would freeze), never reads the request.
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw new Error('helmet failed while its headers were recorded', { cause: error });
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously: its headers cannot be recorded once');
  return headers;
}

export const HELMET_OPTIONS: HelmetOptions = {
  // An API: no documents to protect with CSP, and avatars are loaded by the H5 app's origin.
  contentSecurityPolicy: false,
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

export async function registerSecurity(app: FastifyInstance, options: { corsOrigins: string[] }): Promise<void> {
  // Not @fastify/helmet: it builds helmet's middleware again for every request, through two async
  // hooks (4 % of user.me's CPU, measured paired). No route uses its per-route options or its
  // reply.helmet decorator.
  const securityHeaders = recordSecurityHeaders(HELMET_OPTIONS);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(cors, {
    origin: options.corsOrigins,
    credentials: true,
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after'],
    maxAge: 600,
  });
}
