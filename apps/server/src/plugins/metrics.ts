/**
 * Prometheus metrics over HTTP: every request timed into app_request_duration_seconds, and
 * GET /metrics, which is never open on the public port. With METRICS_PORT it is served on a port
 * of its own (a bare node:http server: nothing else is there); with METRICS_TOKEN alone, on the
 * public port to `Authorization: Bearer <token>` only. Registered only when metrics are configured:
 * otherwise no hook runs and prom-client is never loaded (observability/metrics.ts).
 *
 * Which label a request gets, and why so:
 * - a tRPC request counts once per call of its batch, labelled with that call's procedure, its
 *   own status (what the call would have answered alone: 200, or its error's status, where the
 *   batch says 207) and app code, and the whole HTTP request's duration, which is what the
 *   caller waited for. One series per procedure keeps "which procedure fails or is slow" a
 *   query, where a label per batch (`user.me,health`) would multiply series by every
 *   combination clients send. A request refused as a whole (malformed, too many calls) counts
 *   once: under its procedure when it named one, else `(batch)`;
 * - a path the router does not have is `(unknown)`, a URL no route matches `(unmatched)`, other
 *   routes their route pattern (`/uploads/:file`): label values never come from what clients
 *   write, so the number of series is bounded by the app, not by its traffic.
 * - app_code: the catalog's code of an error answer, `OK` for a success, `none` for an error
 *   answer without one (the WeChat Pay webhook answers in WeChat Pay's format).
 * What never becomes a request is not counted here: connections Node refuses (400/408/431) and
 * URLs the router rejects before any hook (malformed %-encoding); their log lines remain.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRouter, classifyError, httpStatusOf, type Services } from '@app/api';
import { poolStatsOf } from '@app/api/db';
import { errorCatalog, MAX_BATCH_SIZE, REQUEST_ID_HEADER, type AppErrorCode } from '@app/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { MetricsSettings } from '../metrics-config';
import type { AppMetrics } from '../observability/metrics';
import { appCodeOfReply, errorBody, sendAppError } from './error-handling';
import { requestIdFor } from './request-context';
import { TRPC_PREFIX, type TrpcErrorListener } from './trpc';

const METRICS_PATH = '/metrics';

const UNKNOWN_PROCEDURE = '(unknown)';
const WHOLE_BATCH = '(batch)';
const UNMATCHED_ROUTE = '(unmatched)';
const SUCCESS_CODE = 'OK';
const NO_CODE = 'none';

/** A tRPC error answered for this request: a call's (its path) or the request's (no path). */
interface CallError {
  path: string | undefined;
  status: number;
  appCode: AppErrorCode;
}

/** Kept on the request itself: a property costs less than a WeakMap entry per request. */
const CALL_ERRORS = Symbol('trpcCallErrors');
type TrackedRequest = FastifyRequest & { [CALL_ERRORS]?: CallError[] };

/** plugins/trpc.ts's onCallError: remembers each error for the request's observations. */
export const recordTrpcCallError: TrpcErrorListener = (request, path, error) => {
  const classified = classifyError(error);
  // The status tRPC answers with (the error formatter's).
  const status = httpStatusOf(error, classified);
  const { appCode } = classified;
  const tracked = request as TrackedRequest;
  (tracked[CALL_ERRORS] ??= []).push({ path, status, appCode });
};

interface MetricsPluginOptions {
  metrics: AppMetrics;
  settings: MetricsSettings;
  /** What the gauges read (with the services' database). */
  redis: Redis | null;
  services: Services;
}

export function registerMetrics(app: FastifyInstance, options: MetricsPluginOptions): void {
  const { metrics, settings, redis, services } = options;
  metrics.watch({
    pool: () => poolStatsOf(services.db),
    redisUp: redis ? () => redis.status === 'ready' : null,
    breakerState: () => services.wechat.breakerState,
    degradedRateLimitDecisions: () => services.rateLimits.degradedDecisions,
  });
  installRequestMetrics(app, metrics);
  const token = settings.token === null ? null : digest(settings.token);
  if (settings.port === null) {
    app.get(METRICS_PATH, async (request, reply) => {
      const answer = await scrape(metrics, token, request.headers.authorization);
      reply.headers(answer.headers);
      return answer.ok ? reply.send(answer.text) : sendAppError(request, reply, 'AUTH_REQUIRED');
    });
    return;
  }
  serveOnOwnPort(app, metrics, { host: settings.host, port: settings.port, token });
}

/** Times every request into app_request_duration_seconds (the module comment says how it is labelled). */
function installRequestMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  const procedures = new Set(Object.keys(appRouter._def.procedures));
  const trpcRoute = `${TRPC_PREFIX}/:path`;
  const known = (path: string) => (procedures.has(path) ? path : UNKNOWN_PROCEDURE);

  function observeTrpc(request: FastifyRequest, reply: FastifyReply, seconds: number): void {
    const errors = (request as TrackedRequest)[CALL_ERRORS];
    const paths = ((request.params as { path?: string }).path ?? '').split(',');
    const status = reply.statusCode;
    const whole = errors?.find((error) => error.path === undefined);
    if (whole !== undefined || paths.length > MAX_BATCH_SIZE) {
      const procedure = paths.length === 1 ? known(paths[0] ?? '') : WHOLE_BATCH;
      metrics.observeRequest(procedure, status, whole?.appCode ?? appCodeOf(reply), seconds);
      return;
    }
    // Calls without an error succeeded, unless the request was refused before it reached tRPC
    // (a body too large, the server shutting down): then they carry the answer's status and code.
    const callStatus = status === 207 ? 200 : status;
    const callCode = status === 207 ? SUCCESS_CODE : appCodeOf(reply);
    for (const path of paths) {
      const index = errors?.findIndex((error) => error.path === path) ?? -1;
      const error = index === -1 ? undefined : errors?.splice(index, 1)[0];
      if (error) metrics.observeRequest(known(path), error.status, error.appCode, seconds);
      else metrics.observeRequest(known(path), callStatus, callCode, seconds);
    }
  }

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    const seconds = reply.elapsedTime / 1000;
    if (route === trpcRoute) observeTrpc(request, reply, seconds);
    // Scrapes are not traffic: they would be most of a quiet instance's requests.
    else if (route !== METRICS_PATH) metrics.observeRequest(route ?? UNMATCHED_ROUTE, reply.statusCode, appCodeOf(reply), seconds);
    done();
  });
}

function appCodeOf(reply: FastifyReply): string {
  return appCodeOfReply(reply) ?? (reply.statusCode < 400 ? SUCCESS_CODE : NO_CODE);
}

/** Tokens are compared as digests: equal lengths for timingSafeEqual, and no early exit on length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function authorized(header: string | undefined, token: Buffer | null): boolean {
  if (token === null) return true;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), token);
}

/** A scrape refused (AUTH_REQUIRED, with its Bearer challenge) or answered, with the headers either way. */
type ScrapeAnswer = { ok: false; headers: Record<string, string> } | { ok: true; headers: Record<string, string>; text: string };

/** A scrape on either port (the public one, or METRICS_PORT's own server): each writes the answer its own way. */
async function scrape(metrics: AppMetrics, token: Buffer | null, authorization: string | undefined): Promise<ScrapeAnswer> {
  if (!authorized(authorization, token)) return { ok: false, headers: { 'www-authenticate': 'Bearer realm="metrics"' } };
  return { ok: true, headers: { 'content-type': metrics.contentType }, text: await metrics.scrape() };
}

/**
 * /metrics on a port of its own, listening before the app does (onReady: a port already taken
 * fails the start, naming METRICS_PORT) and closed with it.
 */
function serveOnOwnPort(app: FastifyInstance, metrics: AppMetrics, options: { host: string; port: number; token: Buffer | null }): void {
  const server: Server = createServer((request, response) => answerScrape(request, response, metrics, options.token, app));
  app.addHook('onReady', async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const taken = error.code === 'EADDRINUSE';
        reject(
          new Error(`${options.host}:${options.port} (METRICS_PORT) ${taken ? 'is already in use' : 'cannot be listened on'}`, {
            cause: error,
          }),
        );
      });
      server.listen(options.port, options.host, resolve);
    });
    const { address, port } = server.address() as AddressInfo;
    app.log.info({ metrics: `http://${address.includes(':') ? `[${address}]` : address}:${port}${METRICS_PATH}` }, 'metrics listening');
  });
  app.addHook('onClose', async () => {
    if (!server.listening) return;
    // A scrape takes milliseconds; Prometheus's idle keep-alive connection must not hold the shutdown.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });
}

function answerScrape(
  request: IncomingMessage,
  response: ServerResponse,
  metrics: AppMetrics,
  token: Buffer | null,
  app: FastifyInstance,
): void {
  const path = (request.url ?? '/').split('?', 1)[0];
  // An id for every answer, as on the public port: an incoming X-Request-Id, else a new one.
  const requestId = requestIdFor(request);
  response.setHeader(REQUEST_ID_HEADER, requestId);
  const coded = (appCode: AppErrorCode, headers: Record<string, string> = {}) => {
    const body = JSON.stringify(errorBody(appCode, requestId));
    response.writeHead(errorCatalog[appCode].status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(body);
  };
  if (path !== METRICS_PATH) return coded('NOT_FOUND');
  if (request.method !== 'GET' && request.method !== 'HEAD') return coded('METHOD_NOT_ALLOWED', { allow: 'GET, HEAD' });
  scrape(metrics, token, request.headers.authorization).then(
    (answer) => {
      if (!answer.ok) return coded('AUTH_REQUIRED', answer.headers);
      response.writeHead(200, answer.headers);
      response.end(request.method === 'HEAD' ? undefined : answer.text);
    },
    (error: unknown) => {
      app.log.error({ err: error }, 'metrics scrape failed');
      coded('INTERNAL_ERROR');
    },
  );
}
