/**
 * tRPC's HTTP protocol served straight from Fastify: the same wire format as the official adapter
 * (https://trpc.io/docs/rpc), without building a Web Request, AbortSignals and a Response per call.
 *
 *   GET  /trpc/a,b?batch=1&input={"0":…,"1":…}   queries, batched
 *   POST /trpc/a?batch=1        body {"0":…}        mutations
 *   GET  /trpc/a?input=…  ·  POST /trpc/a  body …   single calls
 *
 * This file runs a request: read it (protocol.ts), create the context, run each call (with the
 * caller router-plan.ts chose), write the answer (response.ts). The differential suite
 * (test/differential.test.ts) sends the same requests to this host and to the official adapter
 * and requires identical answers. Deliberate differences: `Vary` keeps what other plugins put
 * there (CORS's `Origin`), where the adapter replaces it; only GET, HEAD and POST are routed; what
 * README.md lists as not served is refused with an error that says so; JSON answers name their
 * charset (`application/json; charset=utf-8`).
 */
import {
  getErrorShape,
  getTRPCErrorFromUnknown,
  TRPCError,
  type AnyTRPCRouter,
  type inferRouterContext,
  type TRPCProcedureType,
} from '@trpc/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readRequest, type Call, type ParsedRequest, type ReadOptions } from './protocol';
import { answerStatus, answerText, isDataStream, JSON_CONTENT_TYPE, UNREAD_REQUEST_CONTENT_TYPE, type Outcome } from './response';
import type { CompileOutputSchema } from './procedure-caller';
import { planRouter } from './router-plan';

export interface LeanHostOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  createContext: (request: FastifyRequest) => inferRouterContext<TRouter> | Promise<inferRouterContext<TRouter>>;
  /** Most calls in one batch; more is a 400, as with the official adapter's `maxBatchSize`. */
  maxBatchSize: number;
  /** Every error answered: a call's (with its path), or the whole request's (path undefined). */
  onError?: (opts: { error: TRPCError; path: string | undefined; request: FastifyRequest }) => void;
  /** Extra headers for an answer carrying errors (e.g. Retry-After), given its errors by call. */
  responseHeaders?: (errors: ReadonlyArray<TRPCError | undefined>) => Record<string, string> | undefined;
  /** Where the routes are registered; '/trpc' unless told. */
  prefix?: string;
  /**
   * Writes a procedure's result in the transformer's format, faster than the transformer does; for
   * superjson, `serializeLikeSuperjson` (about 4 % of a small query's CPU). Error shapes always go
   * through the transformer.
   */
  serializeResult?: (data: unknown) => unknown;
  /**
   * Gives each output schema the host validates results with a faster parser of the same answers,
   * at the procedure's first call: for zod 4, its `compile` (about 3 % of a small query's CPU,
   * bench/README.md). It returns the schema as it is where it cannot do better.
   */
  compileOutputSchema?: CompileOutputSchema;
  /**
   * Runs around each procedure call (each call of a batch on its own), e.g. to give it a tracing
   * span: it must call `invoke` once and settle as its promise does. It sees calls that reach a
   * procedure, from input parsing to output validation; unset, calls run without a wrapper.
   */
  aroundCall?: AroundCall;
}

/** What `aroundCall` is told of a call. */
export interface ProcedureCallInfo {
  readonly path: string;
  readonly type: TRPCProcedureType;
  /** Its place in the batch (0 for a single call). */
  readonly index: number;
}

export type AroundCall = (call: ProcedureCallInfo, request: FastifyRequest, invoke: () => Promise<unknown>) => Promise<unknown>;

type RequestType = TRPCProcedureType | 'unknown';

/** A call's result before its error, if any, is shaped (shapes are made once all calls are done). */
type CallResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/** The context, or why it could not be made: then each call fails with that error, as in the adapter. */
interface Context {
  ctx: unknown;
  error: TRPCError | undefined;
}

const ACCEPTED_METHOD: Record<TRPCProcedureType, string> = { query: 'GET', mutation: 'POST', subscription: 'GET' };
const VARY = 'trpc-accept, accept';
const STREAM_MESSAGE = 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

export async function leanTrpcHost<TRouter extends AnyTRPCRouter>(app: FastifyInstance, options: LeanHostOptions<TRouter>): Promise<void> {
  const { router } = options;
  const config = router._def._config;
  const lazyPaths = Object.keys(router._def.lazy);
  if (lazyPaths.length > 0) {
    // Their procedures would be NOT_FOUND until loaded: refuse rather than answer wrongly.
    throw new Error(`The lean tRPC host does not serve lazy routers (${lazyPaths.join(', ')}); use the official adapter`);
  }
  const { aroundCall } = options;
  const serialize = (value: unknown): unknown => config.transformer.output.serialize(value);
  const serializers = { result: options.serializeResult ?? serialize, error: serialize };
  // Each procedure's caller is chosen once, at start-up.
  const readOptions: ReadOptions = {
    plan: planRouter(router, options.compileOutputSchema),
    maxBatchSize: options.maxBatchSize,
    pathSeparator: config.pathSeparator,
    deserialize: (value: unknown): unknown => config.transformer.input.deserialize(value),
  };

  function errorShape(error: TRPCError, ctx: unknown, type: RequestType, path: string | undefined, input: unknown): unknown {
    return getErrorShape({ config, error, type, path, input, ctx });
  }

  /** The application's extra headers (responseHeaders) for an answer carrying these errors, by call. */
  function addErrorHeaders(reply: FastifyReply, errors: ReadonlyArray<TRPCError | undefined>): void {
    const headers = options.responseHeaders?.(errors);
    if (headers) reply.headers(headers);
  }

  /**
   * The request as a whole failed: one error (not an array, even for a batch), without a path. The
   * content type is the adapter's at that point (see UNREAD_REQUEST_CONTENT_TYPE).
   */
  function failWhole(
    request: FastifyRequest,
    reply: FastifyReply,
    cause: unknown,
    ctx: unknown,
    type: RequestType,
    contentType: string,
  ): FastifyReply {
    const error = getTRPCErrorFromUnknown(cause);
    options.onError?.({ error, path: undefined, request });
    const outcome: Outcome = { ok: false, error, shape: errorShape(error, ctx, type, undefined, undefined) };
    addErrorHeaders(reply, [error]);
    return reply
      .code(answerStatus([outcome]))
      .header('content-type', contentType)
      .send(answerText([outcome], false, serializers));
  }

  /** One call, in the adapter's order of checks. Not async: one promise, not two. */
  function run(call: Call, request: FastifyRequest, reply: FastifyReply, parsed: ParsedRequest, context: Context): Promise<CallResult> {
    const failed = (cause: unknown): CallResult => {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: call.path, request });
      return { ok: false, error };
    };
    try {
      const { type, procedure } = call;
      if (type === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
      if (ACCEPTED_METHOD[type] !== request.method) {
        // A 405 lists the methods the procedure accepts (RFC 9110 15.5.6), as the adapter does.
        reply.header('allow', ACCEPTED_METHOD[type]);
        throw new TRPCError({
          code: 'METHOD_NOT_SUPPORTED',
          message: `Unsupported ${request.method}-request to ${type} procedure at path "${call.path}"`,
        });
      }
      if (type === 'subscription') {
        if (parsed.isBatch) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Cannot batch subscription calls' });
        throw new TRPCError({
          code: 'NOT_IMPLEMENTED',
          message: `Subscriptions are not served by this host (path "${call.path}"); use the official adapter`,
        });
      }
      if (procedure === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
      if (context.error) throw context.error;
      const index = call.index;
      // A malformed input is a rejection, never a synchronous throw (as the adapter's): the executor
      // turns a throw into one.
      const getRawInput = () => new Promise<unknown>((resolve) => resolve(parsed.inputs.read(index)));
      const callOptions = { path: call.path, getRawInput, ctx: context.ctx, type, signal: undefined, batchIndex: index };
      // Without a wrapper, no closure: this runs for every call.
      const called = aroundCall
        ? aroundCall({ path: call.path, type, index }, request, () => procedure.call(callOptions))
        : procedure.call(callOptions);
      return called.then((data): CallResult => ({ ok: true, data }), failed);
    } catch (cause) {
      return Promise.resolve(failed(cause));
    }
  }

  /** Every call is done: shape the errors, then write the answer (or fail as a whole, as the adapter does). */
  function write(
    request: FastifyRequest,
    reply: FastifyReply,
    parsed: ParsedRequest,
    context: Context,
    results: readonly CallResult[],
  ): FastifyReply {
    try {
      const outcomes = results.map((result, index): Outcome => {
        const call = parsed.calls[index];
        let error: TRPCError;
        if (result.ok) {
          if (!isDataStream(result.data)) return result;
          // A single call fails as a whole (below); in a batch, only this call (no onError: as the adapter).
          error = new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: STREAM_MESSAGE });
          if (!parsed.isBatch) throw error;
        } else {
          error = result.error;
        }
        return { ok: false, error, shape: errorShape(error, context.ctx, call?.type ?? 'unknown', call?.path, parsed.inputs.peek(index)) };
      });
      // Before the text is written, as the adapter calls responseMeta: a failure to write keeps these headers.
      if (outcomes.some((outcome) => !outcome.ok)) {
        const errors = outcomes.map((outcome) => (outcome.ok ? undefined : outcome.error));
        addErrorHeaders(reply, errors);
      }
      const text = answerText(outcomes, parsed.isBatch, serializers);
      // A string body: Node writes it with the headers in one go (a Buffer costs a second write, ~5 % of a
      // small query's CPU); Fastify then names the charset in the JSON content type, where the adapter does not.
      return reply.code(answerStatus(outcomes)).header('content-type', JSON_CONTENT_TYPE).send(text);
    } catch (cause) {
      // Stream-like data in a single call, data the transformer or JSON cannot write.
      return failWhole(request, reply, cause, context.ctx, parsed.type, JSON_CONTENT_TYPE);
    }
  }

  function answer(request: FastifyRequest, reply: FastifyReply, parsed: ParsedRequest, context: Context): Promise<FastifyReply> {
    const { calls } = parsed;
    const [first] = calls;
    // send() is synchronous; waiting for the reply would wait until it has gone out.
    if (calls.length === 1 && first !== undefined) {
      return run(first, request, reply, parsed, context).then((result) => write(request, reply, parsed, context, [result]));
    }
    return Promise.all(calls.map((call) => run(call, request, reply, parsed, context))).then((results) =>
      write(request, reply, parsed, context, results),
    );
  }

  // Not async: an async function returning a promise costs two more trips through the queue.
  function handle(request: FastifyRequest<{ Params: { path: string } }>, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
    // As the adapter: an empty 204 (for warm-ups), before anything else.
    if (request.method === 'HEAD') return reply.code(204).send();
    const vary = reply.getHeader('vary');
    reply.header('vary', vary ? `${String(vary)}, ${VARY}` : VARY);
    let parsed: ParsedRequest;
    try {
      parsed = readRequest(request, readOptions);
    } catch (cause) {
      return failWhole(request, reply, cause, undefined, 'unknown', UNREAD_REQUEST_CONTENT_TYPE);
    }
    if (parsed.wantsStream) {
      const error = parsed.isBatch
        ? new TRPCError({
            code: 'NOT_IMPLEMENTED',
            message: 'Streamed batches (httpBatchStreamLink) are not served by this host; use httpBatchLink or the official adapter',
          })
        : new TRPCError({ code: 'BAD_REQUEST', message: 'Streaming requests must be batched (you can do a batch of 1)' });
      return failWhole(request, reply, error, undefined, parsed.type, UNREAD_REQUEST_CONTENT_TYPE);
    }
    let created: unknown;
    try {
      created = options.createContext(request);
    } catch (cause) {
      return answer(request, reply, parsed, { ctx: undefined, error: getTRPCErrorFromUnknown(cause) });
    }
    // Most contexts are made synchronously: no trip through the queue for those.
    if (!isThenable(created)) return answer(request, reply, parsed, { ctx: created, error: undefined });
    return Promise.resolve(created).then(
      (ctx) => answer(request, reply, parsed, { ctx, error: undefined }),
      (cause: unknown) => answer(request, reply, parsed, { ctx: undefined, error: getTRPCErrorFromUnknown(cause) }),
    );
  }

  await app.register(
    (scope, _options, done) => {
      // Bodies arrive as text, parsed by the host (so a malformed one is a tRPC error, not Fastify's).
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      // The protocol's two methods (HEAD comes with GET), not all ~34 as the adapter's `all` registers:
      // each is a route to build at start-up. Other methods get the server's 404.
      scope.route<{ Params: { path: string } }>({ method: ['GET', 'POST'], url: '/:path', handler: handle });
      done();
    },
    { prefix: options.prefix ?? '/trpc' },
  );
}
