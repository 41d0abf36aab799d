/**
 * Security headers and CORS. Mini-program requests carry no Origin, so CORS only concerns the
 * H5 build: allowed origins are echoed with credentials (H5 `Taro.uploadFile` sends them).
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { REQUEST_ID_HEADER } from '@app/shared';

const ignore = (): void => undefined;

export async function registerSecurity(app: FastifyInstance, options: { corsOrigins: string[] }): Promise<void> {
  // helmet itself, built once: @fastify/helmet builds helmet's middleware again for every request,
  // through two async hooks (4 % of user.me's CPU, measured paired). No route uses its per-route
  // options or its reply.helmet decorator.
  const applySecurityHeaders = helmet({
    // An API: no documents to protect with CSP, and avatars are loaded by the H5 app's origin.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    // helmet 8 sets the headers synchronously and throws rather than passing errors on.
    applySecurityHeaders(request.raw, reply.raw, ignore);
    done();
  });
  await app.register(cors, {
    origin: options.corsOrigins,
    credentials: true,
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after'],
    maxAge: 600,
  });
}
