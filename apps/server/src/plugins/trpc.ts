/** The tRPC router on /trpc, through tRPC's official Fastify adapter. */
import { AppError, appRouter, createContextInner, type AppRouter, type Services } from '@app/api';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';

export async function registerTrpc(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router: appRouter,
    createContext: ({ req }) =>
      createContextInner(options.services, {
        requestId: req.id,
        ip: req.ip,
        authorization: req.headers.authorization ?? null,
      }),
    onError: ({ error, path, req }) => {
      // Client mistakes are visible in the request line; only server faults are logged in full.
      if (error.code === 'INTERNAL_SERVER_ERROR') req.log.error({ err: error, procedure: path }, 'procedure failed');
    },
    responseMeta: ({ errors }) => {
      // 429s say when to come back (the longest wait of a batch).
      const waits = errors.flatMap((error) => (error instanceof AppError && error.retryAfterSeconds ? [error.retryAfterSeconds] : []));
      return waits.length > 0 ? { headers: { 'retry-after': String(Math.max(...waits)) } } : {};
    },
  };
  await app.register(fastifyTRPCPlugin, { prefix: '/trpc', trpcOptions });
}
