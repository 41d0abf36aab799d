/**
 * Probes for orchestrators: /healthz says the process is alive, /readyz that it can serve: the
 * database answers (503 when it does not). Redis, when configured, is reported but does not make
 * the instance unready: every use of it degrades on its own while it is out (README, "Reliability"),
 * and taking every instance out of service for a Redis outage would turn a degradation into downtime.
 */
import type { AnyKysely } from '@app/api/db';
import { pingDatabase } from '@app/api/db';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

export function registerHealthRoutes(app: FastifyInstance, options: { db: AnyKysely; redis: Redis | null }): void {
  const { db, redis } = options;
  app.get('/healthz', () => Promise.resolve({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    // Redis is pinged (within the client's command timeout), not just asked whether it is connected:
    // a hung Redis is connected too.
    const [dbUp, redisUp] = await Promise.all([
      pingDatabase(db),
      redis
        ? redis.ping().then(
            () => true,
            () => false,
          )
        : null,
    ]);
    const body: { ok: boolean; db: 'up' | 'down'; redis?: 'up' | 'down' } = { ok: dbUp, db: dbUp ? 'up' : 'down' };
    if (redisUp !== null) body.redis = redisUp ? 'up' : 'down';
    return reply.status(dbUp ? 200 : 503).send(body);
  });
}
