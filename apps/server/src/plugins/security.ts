/**
 * Security headers and CORS. Mini-program requests carry no Origin, so CORS only concerns the
 * H5 build: allowed origins are echoed with credentials (H5 `Taro.uploadFile` sends them).
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER } from '@app/shared';

export async function registerSecurity(app: FastifyInstance, options: { corsOrigins: string[] }): Promise<void> {
  await app.register(helmet, {
    // An API: no documents to protect with CSP, and avatars are loaded by the H5 app's origin.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  await app.register(cors, {
    origin: options.corsOrigins,
    credentials: true,
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after'],
    maxAge: 600,
  });
}
