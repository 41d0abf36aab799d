/**
 * Runs a procedure's middleware chain the way tRPC's own caller does (the same middlewares, the
 * same options and results, errors turned into results at each step), but builds each step's
 * options as one object literal. tRPC's caller copies them with spreads plus extra properties,
 * a shape V8 handles about a hundred times slower (1–3 µs per copy, several per call): the
 * profile's largest share of the host's cost. The compatibility suite checks that both callers
 * answer alike; a procedure of an unexpected shape is left to tRPC's caller.
 */
import { getTRPCErrorFromUnknown, TRPCError, type AnyRouter } from '@trpc/server';

type AnyProcedure = NonNullable<AnyRouter['_def']['procedures'][string]>;
type CallOptions = Parameters<AnyProcedure>[0];

interface MiddlewareResult {
  ok: boolean;
  data?: unknown;
  error?: TRPCError;
}

type NextOptions = { ctx?: Record<string, unknown>; input?: unknown; getRawInput?: () => Promise<unknown> } | undefined;

interface StepOptions {
  ctx: unknown;
  type: string;
  path: string;
  getRawInput: () => Promise<unknown>;
  input: unknown;
  signal: AbortSignal | undefined;
  batchIndex: number;
}

type Middleware = ((opts: StepOptions & { meta: unknown; next: (opts?: NextOptions) => Promise<MiddlewareResult> }) => Promise<MiddlewareResult>) & {
  _type?: string;
};

interface SyncParser {
  parse(value: unknown): unknown;
  parseAsync(value: unknown): Promise<unknown>;
}

const isSyncParser = (parser: unknown): parser is SyncParser =>
  typeof parser === 'object' && parser !== null && typeof (parser as SyncParser).parse === 'function' && typeof (parser as SyncParser).parseAsync === 'function';

/**
 * tRPC's output validation, for a zod-like parser, without its extra copy of the result and its
 * extra await: parse synchronously, fall back to parseAsync when the schema needs it (tRPC's rule).
 */
function outputValidation(parser: SyncParser): Middleware {
  const fail = (cause: unknown) => new TRPCError({ message: 'Output validation failed', code: 'INTERNAL_SERVER_ERROR', cause });
  // The result's fields, spelled out (a spread plus a property is V8's slow path).
  const withData = (result: MiddlewareResult, data: unknown): MiddlewareResult =>
    ({ marker: (result as { marker?: unknown }).marker, ok: true, data, ctx: (result as { ctx?: unknown }).ctx }) as MiddlewareResult;
  return (opts) =>
    opts.next().then((result) => {
      if (!result.ok) return result;
      try {
        return withData(result, parser.parse(result.data));
      } catch (cause) {
        if (Array.isArray((cause as { issues?: unknown })?.issues)) throw fail(cause);
        return parser.parseAsync(result.data).then(
          (data) => withData(result, data),
          (asyncCause: unknown) => {
            throw fail(asyncCause);
          },
        );
      }
    });
}

export type ProcedureCaller = (opts: CallOptions) => Promise<unknown>;

export function fastProcedureCaller(procedure: AnyProcedure): ProcedureCaller {
  const def = procedure._def as { middlewares?: unknown; meta?: unknown };
  const middlewares = def.middlewares;
  if (!Array.isArray(middlewares) || middlewares.length === 0 || !middlewares.every((m) => typeof m === 'function')) {
    return (opts) => procedure(opts);
  }
  const outputs = (middlewares as Middleware[]).filter((m) => m._type === 'output');
  const outputParser = (def as { output?: unknown }).output;
  // One output validator over a zod-like schema: ours replaces it; anything else runs as tRPC built it.
  const chain = (middlewares as Middleware[]).map((m) =>
    m._type === 'output' && outputs.length === 1 && isSyncParser(outputParser) ? outputValidation(outputParser) : m,
  );
  const meta = def.meta;

  const failed = (cause: unknown): MiddlewareResult => ({ ok: false, error: getTRPCErrorFromUnknown(cause) });

  // Not an async function: one promise per step, not two (each await is a trip through the queue).
  const step = (index: number, opts: StepOptions): Promise<MiddlewareResult> => {
    try {
      // Promise.resolve: a middleware may answer synchronously (tRPC awaits whatever it returns).
      return Promise.resolve(chain[index]!({
        ctx: opts.ctx,
        type: opts.type,
        path: opts.path,
        getRawInput: opts.getRawInput,
        input: opts.input,
        signal: opts.signal,
        batchIndex: opts.batchIndex,
        meta,
        next: (nextOpts?: NextOptions) =>
          step(index + 1, {
            ctx: nextOpts?.ctx ? Object.assign({}, opts.ctx, nextOpts.ctx) : opts.ctx,
            type: opts.type,
            path: opts.path,
            getRawInput: nextOpts?.getRawInput ?? opts.getRawInput,
            input: nextOpts && 'input' in nextOpts ? nextOpts.input : opts.input,
            signal: opts.signal,
            batchIndex: opts.batchIndex,
          }),
      })).catch(failed);
    } catch (cause) {
      return Promise.resolve(failed(cause));
    }
  };

  return (opts) => {
    const call = opts as unknown as StepOptions;
    return step(0, {
      ctx: call.ctx,
      type: call.type,
      path: call.path,
      getRawInput: call.getRawInput,
      input: undefined,
      signal: call.signal,
      batchIndex: call.batchIndex,
    }).then((result) => {
      if (!result) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'No result from middlewares - did you forget to `return next()`?' });
      if (!result.ok) throw result.error!;
      return result.data;
    });
  };
}
