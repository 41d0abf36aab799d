/**
 * Probes for orchestrators: /healthz says the process is alive, /readyz that it can serve
 * (the database answers). Neither touches tRPC, so they stay cheap and independent of it.
 */
import type { AnyKysely } from '@app/api/db';
import { pingDatabase } from '@app/api/db';
import type { FastifyInstance } from 'fastify';

export function registerHealthRoutes(app: FastifyInstance, options: { db: AnyKysely }): void {
  app.get('/healthz', () => Promise.resolve({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const dbUp = await pingDatabase(options.db);
    return reply.status(dbUp ? 200 : 503).send({ ok: dbUp, db: dbUp ? 'up' : 'down' });
  });
}
