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
 * the official adapter and requires identical answers. One deliberate difference: `Vary` keeps
 * what other plugins put there (CORS's `Origin`), where the adapter replaces it.
 *
 * Not served here (use the official adapter, TRPC_HOST=official): subscriptions (SSE), streamed
 * batches (httpBatchStreamLink), FormData and binary inputs, method override, lazy routers.
 * Procedures get no abort signal.
 */
import { getTRPCErrorFromUnknown, TRPCError, type AnyRouter } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import { getErrorShape } from '@trpc/server/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastProcedureCaller, type ProcedureCaller } from './procedure-caller';

type ProcedureType = 'query' | 'mutation' | 'subscription';
type AnyProcedure = NonNullable<AnyRouter['_def']['procedures'][string]>;

export interface LeanHostOptions<TRouter extends AnyRouter> {
  router: TRouter;
  createContext: (request: FastifyRequest) => TRouter['_def']['_config']['$types']['ctx'];
  /** Most calls in one batch; more is a 400, as in the official adapter's `maxBatchSize`. */
  maxBatchSize: number;
  onError?: (opts: { error: TRPCError; path: string | undefined; request: FastifyRequest }) => void;
  /** Extra headers for the answer, from the errors it carries (e.g. Retry-After). */
  responseHeaders?: (errors: ReadonlyArray<TRPCError | undefined>) => Record<string, string> | undefined;
  /** The transformer's output side for results, when a faster equivalent exists (see fast-superjson.ts). */
  serializeResult?: (data: unknown) => unknown;
}

const ACCEPTED_METHOD: Record<ProcedureType, string> = { query: 'GET', mutation: 'POST', subscription: 'GET' };
const VARY = 'trpc-accept, accept';

interface Call {
  path: string;
  procedure: AnyProcedure | undefined;
  caller: ProcedureCaller | undefined;
  index: number;
}

/** One call's answer, already written as JSON; the error, when it failed, for the status and hooks. */
interface Outcome {
  text: string;
  error: TRPCError | undefined;
  shape: unknown;
}

function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid URL-encoding in path "${path}"`, cause });
  }
}

function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

/** The one type of a request's procedures; mixing queries and mutations is refused (as tRPC does). */
function procedureTypeOf(calls: readonly Call[]): ProcedureType | 'unknown' {
  let type: ProcedureType | 'unknown' = 'unknown';
  for (const call of calls) {
    const callType = call.procedure?._def.type as ProcedureType | undefined;
    if (callType === undefined || callType === type) continue;
    if (type !== 'unknown') {
      const types = [...new Set(calls.flatMap((c) => (c.procedure ? [c.procedure._def.type as string] : [])))];
      throw new TRPCError({ code: 'BAD_REQUEST', message: `Cannot mix procedure types in call: ${types.join(', ')}` });
    }
    type = callType;
  }
  return type;
}

/** The raw inputs of one request, parsed and deserialized on first use (as the official adapter does). */
class Inputs {
  #parsed: unknown[] | undefined;

  constructor(
    private readonly text: string | undefined,
    private readonly isBatch: boolean,
    private readonly count: number,
    private readonly deserialize: (value: unknown) => unknown,
  ) {}

  read(index: number): unknown {
    this.#parsed ??= this.#parse();
    return this.#parsed[index];
  }

  /** What was parsed, for error shapes; never throws. */
  peek(index: number): unknown {
    return this.#parsed?.[index];
  }

  #parse(): unknown[] {
    try {
      const raw: unknown = this.text ? JSON.parse(this.text) : undefined;
      if (raw === undefined) return [];
      if (!this.isBatch) return [this.deserialize(raw)];
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
      }
      const parsed: unknown[] = [];
      for (let i = 0; i < this.count; i += 1) {
        const value = (raw as Record<number, unknown>)[i];
        parsed[i] = value === undefined ? undefined : this.deserialize(value);
      }
      return parsed;
    } catch (cause) {
      if (cause instanceof TRPCError) throw cause;
      throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
    }
  }
}

export async function leanTrpcHost<TRouter extends AnyRouter>(app: FastifyInstance, options: LeanHostOptions<TRouter> & { prefix?: string }) {
  const { router } = options;
  const config = router._def._config;
  const transformer = config.transformer;
  const serializeResult = options.serializeResult ?? ((data: unknown) => transformer.output.serialize(data));
  const deserializeInput = (value: unknown) => transformer.input.deserialize(value);
  const procedures = router._def.procedures as Record<string, AnyProcedure | undefined>;
  // Callers made once, at start-up: the router's procedures are all known (no lazy routers here).
  const callers = new Map<string, ProcedureCaller>();
  for (const [path, procedure] of Object.entries(procedures)) if (procedure) callers.set(path, fastProcedureCaller(procedure));

  function errorShape(error: TRPCError, ctx: unknown, type: ProcedureType | 'unknown', path: string | undefined, input: unknown) {
    return getErrorShape({ config, error, type, path, input, ctx });
  }

  /** `{ result: { data } }`, written straight to text: no wrapper objects to build and walk. */
  function success(data: unknown): Outcome {
    const serialized = JSON.stringify(serializeResult(data));
    return { text: serialized === undefined ? '{"result":{}}' : `{"result":{"data":${serialized}}}`, error: undefined, shape: undefined };
  }

  function failure(error: TRPCError, shape: unknown): Outcome {
    return { text: JSON.stringify({ error: transformer.output.serialize(shape) }), error, shape };
  }

  function send(reply: FastifyReply, outcomes: Outcome[], isBatch: boolean) {
    const errors = outcomes.map((outcome) => outcome.error);
    let status = 200;
    if (errors.some((error) => error !== undefined)) {
      // tRPC's own rule: each call's status (the formatter's httpStatus), 207 when they differ.
      const untransformed = outcomes.map((outcome) => (outcome.error ? { error: outcome.shape } : { result: { data: null } }));
      status = getHTTPStatusCode((isBatch ? untransformed : untransformed[0]!) as Parameters<typeof getHTTPStatusCode>[0], errors);
      const headers = options.responseHeaders?.(errors);
      if (headers) reply.headers(headers);
    }
    const text = isBatch ? `[${outcomes.map((outcome) => outcome.text).join(',')}]` : outcomes[0]!.text;
    return reply.code(status).header('content-type', 'application/json').send(text);
  }

  /** One call: its data, or the error as the error formatter shapes it. Not async: one promise, not two. */
  function run(call: Call, request: FastifyRequest, reply: FastifyReply, ctx: unknown, inputs: Inputs): Promise<Outcome> {
    const type = (call.procedure?._def.type ?? 'unknown') as ProcedureType | 'unknown';
    const failed = (cause: unknown): Outcome => {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: call.path, request });
      return failure(error, errorShape(error, ctx, type, call.path, inputs.peek(call.index)));
    };
    try {
      if (!call.procedure || !call.caller) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
      if (ACCEPTED_METHOD[type as ProcedureType] !== request.method || type === 'subscription') {
        reply.header('allow', ACCEPTED_METHOD[type as ProcedureType]);
        throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: `Unsupported ${request.method}-request to ${type} procedure at path "${call.path}"` });
      }
      const index = call.index;
      return call
        .caller({ path: call.path, getRawInput: async () => inputs.read(index), ctx, type, signal: undefined, batchIndex: index })
        .then((data) => {
          try {
            return success(data);
          } catch (cause) {
            return failed(cause); // data that cannot be written as JSON
          }
        }, failed);
    } catch (cause) {
      return Promise.resolve(failed(cause));
    }
  }

  // Not async: an async function returning a promise costs two more trips through the queue.
  function handle(request: FastifyRequest<{ Params: { path: string } }>, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
    if (request.method === 'HEAD') return reply.code(204).send();
    const vary = reply.getHeader('vary');
    reply.header('vary', vary ? `${String(vary)}, ${VARY}` : VARY);
    const query = request.query as Record<string, string | undefined>;
    const isBatch = query.batch === '1';
    let ctx: unknown;
    let type: ProcedureType | 'unknown' = 'unknown';
    // The request as a whole failed (bad path, batch too large, content type, context).
    const failedWhole = (cause: unknown) => {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: undefined, request });
      return send(reply, [failure(error, errorShape(error, ctx, type, undefined, undefined))], false);
    };
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
      const calls: Call[] = [];
      for (let index = 0; index < paths.length; index += 1) {
        const callPath = paths[index]!;
        calls.push({ path: callPath, procedure: procedures[callPath], caller: callers.get(callPath), index });
      }
      type = procedureTypeOf(calls);
      const text = request.method === 'GET' ? query.input : (request.body as string | undefined);
      const inputs = new Inputs(text, isBatch, calls.length, deserializeInput);
      // send() is synchronous; waiting for the reply would wait until it has gone out.
      const answer = (context: unknown): Promise<FastifyReply> => {
        ctx = context;
        if (calls.length === 1) return run(calls[0]!, request, reply, ctx, inputs).then((outcome) => send(reply, [outcome], isBatch));
        return Promise.all(calls.map((call) => run(call, request, reply, ctx, inputs))).then((outcomes) => send(reply, outcomes, isBatch));
      };
      const created: unknown = options.createContext(request);
      // Most contexts are made synchronously: no trip through the queue for those.
      return created instanceof Promise ? created.then(answer, failedWhole) : answer(created);
    } catch (cause) {
      return failedWhole(cause);
    }
  }

  await app.register(
    async (scope) => {
      // Bodies arrive as text, parsed by the host (so a malformed one is a tRPC error, not Fastify's).
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      // The protocol's two methods (HEAD comes with GET), not all ~34 as the adapter's `all` registers:
      // each is a route to build at start-up. Other methods get the server's coded 404.
      scope.route<{ Params: { path: string } }>({ method: ['GET', 'POST'], url: '/:path', handler: handle });
    },
    { prefix: options.prefix ?? '/trpc' },
  );
}
