/**
 * buildApp(config): the whole HTTP server as one Fastify instance, used by main.ts and the tests.
 */
import { createServices, DEFAULT_RATE_LIMITS, LocalDiskStorage, type Clock, type RateLimitConfig, type Services } from '@app/api';
import { createDatabase, type Database } from '@app/api/db';
import type { Redis } from 'ioredis';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import type { Config } from './config';
import { lazySchemaCompilers } from './lazy-schema-compilers';
import { createLogger } from './logger';
import { handleFrameworkError, installErrorHandling } from './plugins/error-handling';
import { registerHealthRoutes } from './plugins/health';
import { installRequestContext, requestIdFor } from './plugins/request-context';
import { registerSecurity } from './plugins/security';
import { registerTrpc } from './plugins/trpc';
import { registerUploads } from './plugins/uploads';

export interface BuildAppOptions {
  /** Use this database instead of opening one from config (the caller then closes it). */
  db?: Kysely<Database>;
  /** Where log lines go (stdout by default); tests capture them here. */
  logStream?: DestinationStream;
  clock?: Clock;
  rateLimits?: RateLimitConfig;
  /** Routes of the caller's own, registered last with the app's services (the benchmarks' reference route). */
  extend?: (app: FastifyInstance, services: Services) => void;
}

export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const logger = createLogger({ level: config.logLevel, version: config.version }, options.logStream);
  // Widened to Fastify's logger type so plugins typed against the default instance fit (Fastify
  // infers its instance's logger type from this option).
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    // One line per request comes from plugins/request-context.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    frameworkErrors: handleFrameworkError,
    schemaController: { compilersFactory: lazySchemaCompilers as never },
  });

  const db = options.db ?? createDatabase({ url: config.database.url, poolSize: config.database.poolSize });
  if (!options.db) app.addHook('onClose', async () => db.destroy());

  // Loaded only when used: start-up is what serverless platforms bill and users wait for.
  let redis: Redis | null = null;
  if (config.redisUrl) {
    const { Redis: RedisClient } = await import('ioredis');
    redis = new RedisClient(config.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
  }
  if (redis) {
    redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
    app.addHook('onClose', async () => {
      await redis.quit();
    });
  }

  const services = await createServices({
    db,
    logger,
    clock: options.clock,
    version: config.version,
    exposeErrors: !config.isProduction,
    redis,
    auth: config.auth,
    wechat: {
      baseUrl: config.wechat.baseUrl,
      appId: config.wechat.appId,
      appSecret: config.wechat.appSecret,
      timeoutMs: config.wechat.timeoutMs,
    },
    rateLimits: options.rateLimits ?? {
      ...DEFAULT_RATE_LIMITS,
      loginPerIp: { points: config.rateLimits.loginPerIpPerMinute, durationSeconds: 60 },
      mutationsPerUser: { points: config.rateLimits.mutationsPerUserPerMinute, durationSeconds: 60 },
    },
    uploads: { storage: new LocalDiskStorage(config.uploads.dir), maxBytes: config.uploads.maxBytes },
  });

  installRequestContext(app);
  installErrorHandling(app);
  await registerSecurity(app, { corsOrigins: config.corsOrigins });
  registerHealthRoutes(app, { db });
  await registerUploads(app, { services });
  await registerTrpc(app, { services, host: config.trpcHost });
  options.extend?.(app, services);
  return app;
}
