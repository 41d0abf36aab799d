/**
 * tRPC's HTTP protocol served straight from Fastify: the same wire format as the official adapter
 * (https://trpc.io/docs/rpc), without building a Web Request, AbortSignals and a Response per call.
 *
 *   GET  /trpc/a,b?batch=1&input={"0":…,"1":…}   queries, batched
 *   POST /trpc/a?batch=1        body {"0":…}        mutations
 *   GET  /trpc/a?input=…  ·  POST /trpc/a  body …   single calls
 *
 * Answers are `{ result: { data } }` or `{ error }` (an array for batches), transformed by the
 * router's transformer; the status is the error's, or 207 for a batch of mixed outcomes. The
 * compatibility suite (test/trpc-host-compat.test.ts) sends the same requests to this host and to
 * the official adapter and requires identical answers.
 *
 * Not served here (use the official adapter, TRPC_HOST=official): subscriptions (SSE), streamed
 * batches (httpBatchStreamLink), FormData and binary inputs, method override. Procedures get no
 * abort signal.
 */
import { getTRPCErrorFromUnknown, TRPCError, type AnyRouter } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import { getErrorShape } from '@trpc/server/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type ProcedureType = 'query' | 'mutation' | 'subscription';
type AnyProcedure = AnyRouter['_def']['procedures'][string];

export interface LeanHostOptions<TRouter extends AnyRouter> {
  router: TRouter;
  createContext: (request: FastifyRequest) => TRouter['_def']['_config']['$types']['ctx'];
  /** Most calls in one batch; more is a 400, as in the official adapter's `maxBatchSize`. */
  maxBatchSize: number;
  onError?: (opts: { error: TRPCError; path: string | undefined; request: FastifyRequest }) => void;
  /** Extra headers for the answer, from the errors it carries (e.g. Retry-After). */
  responseHeaders?: (errors: readonly TRPCError[]) => Record<string, string> | undefined;
}

const ACCEPTED_METHOD: Record<ProcedureType, string> = { query: 'GET', mutation: 'POST', subscription: 'GET' };

interface Call {
  path: string;
  procedure: AnyProcedure | null;
  index: number;
}

type Outcome = { ok: true; data: unknown } | { ok: false; error: TRPCError };

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid URL-encoding in path "${path}"`, cause });
  }
}

function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

export async function leanTrpcHost<TRouter extends AnyRouter>(app: FastifyInstance, options: LeanHostOptions<TRouter> & { prefix?: string }) {
  const { router } = options;
  const config = router._def._config;
  const procedures = router._def.procedures as Record<string, AnyProcedure | undefined>;
  const transformer = config.transformer;

  /** The raw inputs of the request, parsed once, on first use (like the official adapter). */
  function inputReader(request: FastifyRequest, isBatch: boolean, count: number) {
    let parsed: Record<number, unknown> | undefined;
    return (index: number): unknown => {
      if (!parsed) {
        try {
          const text = request.method === 'GET' ? (request.query as Record<string, string | undefined>).input : (request.body as string | undefined);
          const raw: unknown = text ? JSON.parse(text) : undefined;
          parsed = {};
          if (raw !== undefined && !isBatch) parsed[0] = transformer.input.deserialize(raw);
          if (raw !== undefined && isBatch) {
            if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
              throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
            }
            for (let i = 0; i < count; i += 1) {
              const value = (raw as Record<number, unknown>)[i];
              if (value !== undefined) parsed[i] = transformer.input.deserialize(value);
            }
          }
        } catch (cause) {
          if (cause instanceof TRPCError) throw cause;
          throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
        }
      }
      return parsed[index];
    };
  }

  async function run(call: Call, request: FastifyRequest, reply: FastifyReply, ctx: unknown, readInput: (index: number) => unknown): Promise<Outcome> {
    try {
      const procedure = call.procedure;
      if (!procedure) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
      const type = procedure._def.type as ProcedureType;
      if (ACCEPTED_METHOD[type] !== request.method || type === 'subscription') {
        reply.header('allow', ACCEPTED_METHOD[type]);
        throw new TRPCError({
          code: 'METHOD_NOT_SUPPORTED',
          message: `Unsupported ${request.method}-request to ${type} procedure at path "${call.path}"`,
        });
      }
      const data = await procedure({
        path: call.path,
        getRawInput: async () => readInput(call.index),
        ctx,
        type,
        signal: undefined,
        batchIndex: call.index,
      });
      return { ok: true, data };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: call.path, request });
      return { ok: false, error };
    }
  }

  function errorShape(error: TRPCError, ctx: unknown, type: ProcedureType | 'unknown', path: string | undefined, input: unknown) {
    return getErrorShape({ config, error, type, path, input, ctx });
  }

  function send(reply: FastifyReply, untransformed: unknown[] | Record<string, unknown>, errors: TRPCError[]) {
    const items = Array.isArray(untransformed) ? untransformed : [untransformed];
    const status = getHTTPStatusCode(items as Parameters<typeof getHTTPStatusCode>[0], errors);
    const serialize = (item: Record<string, unknown>) =>
      'error' in item
        ? { error: transformer.output.serialize(item.error) }
        : { result: { data: transformer.output.serialize((item.result as { data: unknown }).data) } };
    const body = Array.isArray(untransformed) ? untransformed.map((item) => serialize(item as Record<string, unknown>)) : serialize(untransformed);
    const headers = options.responseHeaders?.(errors);
    if (headers) reply.headers(headers);
    return reply.status(status).header('content-type', 'application/json').send(JSON.stringify(body));
  }

  async function handle(request: FastifyRequest<{ Params: { path: string } }>, reply: FastifyReply) {
    if (request.method === 'HEAD') return reply.status(204).send();
    reply.header('vary', 'trpc-accept, accept');
    const isBatch = (request.query as Record<string, string | undefined>).batch === '1';
    let ctx: unknown;
    let calls: Call[] = [];
    let type: ProcedureType | 'unknown' = 'unknown';
    try {
      const path = decodePath(request.params.path);
      if (request.method !== 'GET' && !isJsonContentType(request.headers['content-type'])) {
        const contentType = request.headers['content-type'];
        throw new TRPCError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          // Sic: the official adapter's message lacks the closing quote; the wire stays identical.
          message: contentType ? `Unsupported content-type "${contentType}` : 'Missing content-type header',
        });
      }
      const paths = isBatch ? path.split(',') : [path];
      if (isBatch && paths.length > options.maxBatchSize) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
      calls = paths.map((callPath, index) => ({ path: callPath, procedure: procedures[callPath] ?? null, index }));
      const types = new Set(calls.flatMap((call) => (call.procedure ? [call.procedure._def.type as ProcedureType] : [])));
      if (types.size > 1) throw new TRPCError({ code: 'BAD_REQUEST', message: `Cannot mix procedure types in call: ${[...types].join(', ')}` });
      type = types.values().next().value ?? 'unknown';
      ctx = await options.createContext(request);

      const readInput = inputReader(request, isBatch, calls.length);
      const outcomes = await Promise.all(calls.map((call) => run(call, request, reply, ctx, readInput)));
      // The input as parsed, for the error formatter; never throws here (a failed parse already did).
      const inputOf = (index: number) => {
        try {
          return readInput(index);
        } catch {
          return undefined;
        }
      };
      const items = outcomes.map((outcome, index) =>
        outcome.ok
          ? { result: { data: outcome.data } }
          : { error: errorShape(outcome.error, ctx, (calls[index]!.procedure?._def.type as ProcedureType) ?? 'unknown', calls[index]!.path, inputOf(index)) },
      );
      const errors = outcomes.map((outcome) => (outcome.ok ? undefined : outcome.error)) as TRPCError[];
      return send(reply, isBatch ? items : items[0]!, errors);
    } catch (cause) {
      // The request as a whole failed (bad path, batch too large, content type, context).
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: undefined, request });
      return send(reply, { error: errorShape(error, ctx, type, undefined, undefined) }, [error]);
    }
  }

  await app.register(
    async (scope) => {
      // Bodies arrive as text, parsed by the host (so a malformed one is a tRPC PARSE error, not Fastify's).
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      scope.all<{ Params: { path: string } }>('/:path', handle);
    },
    { prefix: options.prefix ?? '/trpc' },
  );
}
