/**
 * The tRPC router on /trpc. Two hosts speak the same wire protocol: the lean host (default),
 * which serves it straight from Fastify, and tRPC's official Fastify adapter (TRPC_HOST=official),
 * kept as a fallback and as the reference the compatibility suite compares the lean host with.
 */
import { appRouter, classifyError, createContextInner, type AppRouter, type Context, type OutageLog, type Services } from '@app/api';
import { MAX_BATCH_SIZE } from '@app/shared';
import { TRPCError } from '@trpc/server';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { leanTrpcHost, serializeLikeSuperjson, type CompileOutputSchema, type OutputSchema } from '@app/trpc-host';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { compile } from 'zod/mini';
import type { SomeType } from 'zod/v4/core';
import { procedureSpans } from '../tracing/procedure-spans';
import { reportServerFault } from './error-handling';

export type TrpcHost = 'lean' | 'official';

/** Where both hosts serve the router: one route, `${TRPC_PREFIX}/:path`. */
export const TRPC_PREFIX = '/trpc';

/**
 * The procedures' context for a request, as /trpc and the REST routes (rest-api.ts) both build it.
 * The request's logger (app.ts gives Fastify a pino one): the procedures' lines carry the request
 * (and trace) id.
 */
export function createRequestContext(services: Services, request: FastifyRequest): Context {
  return createContextInner(services, {
    requestId: request.id,
    ip: request.ip,
    authorization: request.headers.authorization ?? null,
    logger: request.log as Logger,
  });
}

/**
 * The router's output schemas are zod 4's: `compile` gives each a generated parser that answers as
 * the schema does, falling back to zod's own parse for anything it does not model (test:
 * trpc-host-compat.test.ts holds every output schema of the router to compiling).
 */
export const compileOutputSchema: CompileOutputSchema = (schema) =>
  '_zod' in schema ? (compile(schema as unknown as SomeType) as unknown as OutputSchema) : schema;

/** Told of every error answered: a call's (with its path) or the whole request's (path undefined). */
export type TrpcErrorListener = (request: FastifyRequest, path: string | undefined, error: TRPCError) => void;

export async function registerTrpc(
  app: FastifyInstance,
  options: {
    services: Services;
    host: TrpcHost;
    databaseOutage: OutageLog;
    /** The request metrics' (plugins/metrics.ts); unset when metrics are off. */
    onCallError?: TrpcErrorListener | undefined;
    /** A span per procedure call (tracing/procedure-spans.ts; the lean host only), with tracing on. */
    traceCalls?: boolean;
  },
): Promise<void> {
  const { services, databaseOutage } = options;
  const createContext = (request: FastifyRequest) => createRequestContext(services, request);
  const { onCallError } = options;
  const onError = ({ error, path, request }: { error: TRPCError; path: string | undefined; request: FastifyRequest }) => {
    onCallError?.(request, path, error);
    reportServerFault(request, error, databaseOutage, path);
  };
  // 429s and 503s say when to come back (the longest wait of a batch).
  const retryAfter = (errors: readonly unknown[]) => {
    const waits = errors.flatMap((error) => {
      const seconds = error instanceof TRPCError ? classifyError(error).retryAfterSeconds : undefined;
      return seconds ? [seconds] : [];
    });
    return waits.length > 0 ? { 'retry-after': String(Math.max(...waits)) } : undefined;
  };

  if (options.host === 'lean') {
    await leanTrpcHost(app, {
      prefix: TRPC_PREFIX,
      router: appRouter,
      createContext,
      onError,
      responseHeaders: retryAfter,
      maxBatchSize: MAX_BATCH_SIZE,
      // The router's transformer is superjson: results are written in its format by a faster path.
      serializeResult: serializeLikeSuperjson,
      compileOutputSchema,
      ...(options.traceCalls ? { aroundCall: procedureSpans } : {}),
    });
    return;
  }
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: ({ req }) => createContext(req),
    onError: ({ error, path, req }) => onError({ error, path, request: req }),
    responseMeta: ({ errors }) => {
      const headers = retryAfter(errors);
      return headers ? { headers } : {};
    },
  };
  // Loaded only when chosen: its Web Request/Response machinery (and node:http's ESM facade, which
  // pulls in undici) would otherwise cost every start of the default host.
  const { fastifyTRPCPlugin } = await import('@trpc/server/adapters/fastify');
  await app.register(fastifyTRPCPlugin, { prefix: TRPC_PREFIX, trpcOptions });
}
