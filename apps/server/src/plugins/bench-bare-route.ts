/**
 * The benchmarks' reference: user.me's work (verify the access token, select the user by primary
 * key, answer JSON) as a plain Fastify route, to measure what the tRPC host adds. Only registered
 * with BENCH_BARE_ROUTE=true.
 */
import { authenticate, getUser, type Services } from '@app/api';
import type { FastifyInstance } from 'fastify';

export function registerBareUserMeRoute(app: FastifyInstance, options: { services: Services }): void {
  const { services } = options;
  app.get('/bench/user-me', async (request) => {
    const session = await authenticate(services, request.headers.authorization ?? null);
    return getUser(services, session.userId);
  });
}
