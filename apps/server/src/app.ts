/**
 * buildApp(config): the whole HTTP server as one Fastify instance, used by main.ts and the tests.
 */
import { systemClock, type Clock, type Services } from '@app/api';
import { createDatabase, type Database } from '@app/api/db';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import type { Config } from './config';
import { createLogger } from './logger';
import { installErrorHandling } from './plugins/error-handling';
import { registerHealthRoutes } from './plugins/health';
import { installRequestContext, requestIdFor } from './plugins/request-context';
import { registerSecurity } from './plugins/security';
import { registerTrpc } from './plugins/trpc';

export interface BuildAppOptions {
  /** Use this database instead of opening one from config (the caller then closes it). */
  db?: Kysely<Database>;
  /** Where log lines go (stdout by default); tests capture them here. */
  logStream?: DestinationStream;
  clock?: Clock;
}

export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const logger = createLogger({ level: config.logLevel, version: config.version }, options.logStream);
  const app = Fastify({
    // Widened to Fastify's logger type so plugins typed against the default instance fit.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request comes from plugins/request-context.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
  });

  const db = options.db ?? createDatabase({ url: config.database.url, poolSize: config.database.poolSize });
  if (!options.db) app.addHook('onClose', async () => db.destroy());

  const services: Services = {
    db,
    clock: options.clock ?? systemClock,
    logger,
    version: config.version,
    exposeErrors: !config.isProduction,
  };

  installRequestContext(app);
  installErrorHandling(app);
  await registerSecurity(app, { corsOrigins: config.corsOrigins });
  await registerHealthRoutes(app, { db });
  await registerTrpc(app, { services });
  return app;
}
