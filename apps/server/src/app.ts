/**
 * buildApp(config): the whole HTTP server as one Fastify instance, used by main.ts and the tests.
 */
import {
  appRouter,
  createServices,
  DEFAULT_RATE_LIMITS,
  OutageLog,
  OrderSweeper,
  SessionRetentionSweeper,
  JobRunner,
  ORDER_PAID_JOB,
  paidMessageHandler,
  REFUND_JOB,
  refundJobHandler,
  LocalDiskStorage,
  type Clock,
  type RateLimitConfig,
  type Services,
} from '@app/api';
import { createDatabase, type Database } from '@app/api/db';
import type { Redis } from 'ioredis';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import type { Config } from './config';
import { lazySchemaCompilers } from './lazy-schema-compilers';
import { createLogger } from './logger';
import { createClientErrorHandler, handleFrameworkError, installClosingResponses, installErrorHandling } from './plugins/error-handling';
import { registerHealthRoutes, warnWhenSchemaBehind } from './plugins/health';
import { recordTrpcCallError, registerMetrics } from './plugins/metrics';
import { createMetrics } from './observability/metrics';
import { installRequestContext, requestIdFor } from './plugins/request-context';
import { installRequestSpans } from './tracing/request-spans';
import { registerSecurity } from './plugins/security';
import { registerTrpc } from './plugins/trpc';
import { registerRestApi } from './plugins/rest-api';
import { registerApiDocument } from './plugins/api-document';
import { restOperationsOf } from './openapi/operations';
import { registerUploads } from './plugins/uploads';
import { registerWeChatPayWebhook } from './plugins/wechatpay-webhook';
import { prewarm } from './prewarm';

export interface BuildAppOptions {
  /** Use this database instead of opening one from config (the caller then closes it). */
  db?: Kysely<Database>;
  /** Where log lines go (stdout by default); tests capture them here. */
  logStream?: DestinationStream;
  clock?: Clock;
  rateLimits?: Partial<RateLimitConfig>;
  /** Routes of the caller's own, registered last with the app's services (the benchmarks' reference route). */
  extend?: (app: FastifyInstance, services: Services) => void;
}

/**
 * Fastify's trustProxy for the configured trust. A hop count becomes a function: Fastify itself now
 * treats a number as "trust nothing", because a hop count cannot tell a proxy from a client that
 * reaches the server directly; that is the operator's to guarantee (README, "Behind proxies").
 */
function trustProxyOption(trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const tracing = config.tracing.enabled;
  const logger = createLogger({ level: config.logLevel, version: config.version, traceIds: tracing }, options.logStream);
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
    trustProxy: trustProxyOption(config.trustProxy),
    // Requests that arrive while closing get the coded 503 of installClosingResponses instead.
    return503OnClosing: false,
    frameworkErrors: handleFrameworkError,
    // Slow clients (config.ts): Node's timeouts, checked every tenth of the shorter one (Node's
    // default is every 30 s), so that a timeout fires at most 10 % late.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.ceil(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 10)),
    },
    // What Node refuses before Fastify sees a request (timeouts, bad request lines, 431) is coded too.
    clientErrorHandler: createClientErrorHandler(logger),
    schemaController: { compilersFactory: lazySchemaCompilers as never },
  });

  const outages = { database: new OutageLog(logger, 'database'), redis: new OutageLog(logger, 'redis') };
  const db =
    options.db ??
    createDatabase({ url: config.database.url, poolSize: config.database.poolSize, outage: outages.database, traceQueries: tracing });
  if (!options.db) app.addHook('onClose', async () => db.destroy());

  // Loaded only when used: start-up is what serverless platforms bill and users wait for.
  let redis: Redis | null = null;
  if (config.redisUrl) {
    const { Redis: RedisClient } = await import('ioredis');
    redis = new RedisClient(config.redisUrl, {
      // An outage must cost a request milliseconds, not the length of the outage: commands fail at
      // once while disconnected (no offline queue), and after a short timeout while Redis hangs.
      // Each use then degrades its own way (see packages/api: revocations, rate limits, the token).
      enableOfflineQueue: false,
      commandTimeout: config.redisCommandTimeoutMs,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
  }
  if (redis) {
    const client = redis;
    client.on('error', (error) => outages.redis.failed(error));
    client.on('ready', () => outages.redis.recovered());
    app.addHook('onClose', async () => {
      await client.quit().catch(() => client.disconnect());
    });
  }

  // Prometheus metrics (plugins/metrics.ts), when configured: prom-client is loaded only then.
  // Kept with their settings, so that one check says both are there.
  const prometheus = config.metrics ? { metrics: await createMetrics({ version: config.version }), settings: config.metrics } : null;

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
      ...(config.wechat.budgetMs === undefined ? {} : { budgetMs: config.wechat.budgetMs }),
      breakerThreshold: config.wechat.breakerThreshold,
      breakerHalfOpenAfterMs: config.wechat.breakerHalfOpenAfterMs,
    },
    rateLimits: options.rateLimits ?? {
      ...DEFAULT_RATE_LIMITS,
      loginPerIp: { points: config.rateLimits.loginPerIpPerMinute, durationSeconds: 60 },
      mutationsPerUser: { points: config.rateLimits.mutationsPerUserPerMinute, durationSeconds: 60 },
    },
    uploads: { storage: new LocalDiskStorage(config.uploads.dir), maxBytes: config.uploads.maxBytes },
    redisOutage: outages.redis,
    orders: { paymentTimeoutMinutes: config.orders.paymentTimeoutMinutes },
    pay: config.pay,
    telemetry: prometheus?.metrics.telemetry,
  });

  // Background work in every instance (packages/api): unpaid orders closed on time (order-sweeper.ts
  // says why a sweeper), sessions that ended long ago deleted (session-retention.ts says when), and
  // durable jobs (jobs/: what follows a payment or a refund, run at least once across instances).
  const sweeper = new OrderSweeper({ db, clock: services.clock, logger, pay: services.pay, telemetry: services.telemetry });
  const sessionSweeper = new SessionRetentionSweeper({
    db,
    clock: services.clock,
    logger,
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    clockToleranceSeconds: config.auth.clockToleranceSeconds,
  });
  const jobs = new JobRunner({
    db,
    clock: services.clock,
    logger,
    handlers: {
      [ORDER_PAID_JOB]: paidMessageHandler(services, config.paidMessage),
      [REFUND_JOB]: refundJobHandler(services),
    },
  });
  app.addHook('onReady', (done) => {
    sweeper.start(config.orders.sweepIntervalMs);
    sessionSweeper.start(config.auth.sessionSweepIntervalMs);
    jobs.start(config.jobs.intervalMs);
    done();
  });
  // Registered after the database's onClose hook, so it runs before it (Fastify closes in reverse
  // order): the work under way finishes while the database is still there. Stopped together, each
  // told to end after its current unit of work (a batch, a job), within the shutdown's time.
  app.addHook('onClose', async () => {
    await Promise.all([sweeper.stop(), sessionSweeper.stop(), jobs.stop()]);
  });

  // Before listening (Fastify runs onReady inside listen): a serverless instance's init phase.
  if (config.prewarmOnStart) app.addHook('onReady', () => prewarm(services));

  installRequestContext(app);
  // Tracing (tracing/): spans for requests, procedures and what they call; before any route.
  if (tracing) installRequestSpans(app);
  if (prometheus) registerMetrics(app, { ...prometheus, redis, services });
  installErrorHandling(app, { databaseOutage: outages.database });
  await registerSecurity(app, { corsOrigins: config.corsOrigins });
  installClosingResponses(app);
  registerHealthRoutes(app, { db, redis });
  warnWhenSchemaBehind(app, db);
  await registerUploads(app, { services });
  await registerWeChatPayWebhook(app, { services });
  await registerTrpc(app, {
    services,
    host: config.trpcHost,
    databaseOutage: outages.database,
    onCallError: prometheus ? recordTrpcCallError : undefined,
    traceCalls: tracing,
  });
  // The same procedures as REST (those with openapi meta), and the document describing them: one
  // list for both, so the document describes exactly the routes served.
  const operations = restOperationsOf(appRouter);
  await registerRestApi(app, { services, operations, traceCalls: tracing });
  registerApiDocument(app, { operations, version: config.version, reference: config.apiReference });
  options.extend?.(app, services);
  return app;
}
