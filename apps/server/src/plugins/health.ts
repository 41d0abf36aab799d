/**
 * Probes for orchestrators: /healthz says the process is alive, /readyz that it can serve: the
 * database answers, with the schema this build needs (its newest migration applied: schema-version.ts
 * in packages/api says why), and 503 when either fails. Redis, when configured, is reported but does not make
 * the instance unready: every use of it degrades on its own while it is out (README, "Reliability"),
 * and taking every instance out of service for a Redis outage would turn a degradation into downtime.
 */
import type { AnyKysely } from '@app/api/db';
import { databaseState, LATEST_MIGRATION } from '@app/api/db';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

export function registerHealthRoutes(app: FastifyInstance, options: { db: AnyKysely; redis: Redis | null }): void {
  const { db, redis } = options;
  app.get('/healthz', () => Promise.resolve({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    // Redis is pinged (within the client's command timeout), not just asked whether it is connected:
    // a hung Redis is connected too.
    const [database, redisUp] = await Promise.all([
      // One query, with a deadline: whether the database answers, and with which schema.
      databaseState(db),
      redis
        ? redis.ping().then(
            () => true,
            () => false,
          )
        : null,
    ]);
    const ok = database === 'current';
    const body: { ok: boolean; db: 'up' | 'down'; schema?: 'current' | 'behind'; redis?: 'up' | 'down' } =
      database === 'down' ? { ok, db: 'down' } : { ok, db: 'up', schema: database };
    if (redisUp !== null) body.redis = redisUp ? 'up' : 'down';
    return reply.status(ok ? 200 : 503).send(body);
  });
}

/**
 * How long after it starts listening a server checks its schema: past its first requests, which
 * come first (at once, the check's query, the first on MySQL, would load the driver and open a
 * connection beside theirs).
 */
export const SCHEMA_CHECK_DELAY_MS = 1_000;

/**
 * A server started before its release's migrations ran says so once, in words that name the fix,
 * shortly after it starts listening; /readyz answers 503 until they have run. Not an error that
 * stops it: the migrations may be on their way (a release step running beside it), and then it
 * becomes ready by itself.
 */
export function warnWhenSchemaBehind(app: FastifyInstance, db: AnyKysely): void {
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onListen', (done) => {
    timer = setTimeout(() => {
      // A database that is down is not said here: requests report its outage, and /readyz.
      void databaseState(db).then((state) => {
        if (state === 'behind')
          app.log.warn(
            { needs: LATEST_MIGRATION },
            'the database schema is behind this build: run the migrations (npm run db:migrate -- up; in an image or a package: node dist/migrate.mjs up); /readyz answers 503 until then',
          );
      });
    }, SCHEMA_CHECK_DELAY_MS).unref();
    done();
  });
  // A server closed within its first second never asks (its database may be closing).
  app.addHook('onClose', (_instance, done) => {
    clearTimeout(timer);
    done();
  });
}
