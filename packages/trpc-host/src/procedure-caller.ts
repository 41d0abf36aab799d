/**
 * Runs a procedure's middleware chain the way tRPC's own caller does (the same middlewares, the
 * same options and results, errors turned into results at each step), but builds each step's
 * options as one object literal. tRPC's caller (callRecursive in procedureBuilder.ts) copies them
 * with spreads plus extra properties, a shape V8 handles about a hundred times slower (1–3 µs per
 * copy, several per call): the profile's largest share of the host's cost.
 *
 * It relies on how tRPC 11.25.2 builds a procedure (`procedure._def`: its middlewares, output
 * parser, meta, caller override). Whatever it does not recognise is left to tRPC's own caller,
 * `procedure(opts)`, with the reason: `fastCallerCoverage` reports it, never silently.
 */
import { getTRPCErrorFromUnknown, TRPCError, type AnyTRPCProcedure, type TRPCProcedureType } from '@trpc/server';

/** What the host passes to a procedure: tRPC's ProcedureCallOptions, as resolveResponse builds them. */
export interface CallOptions {
  ctx: unknown;
  type: TRPCProcedureType;
  path: string;
  getRawInput: () => Promise<unknown>;
  signal: AbortSignal | undefined;
  batchIndex: number;
}

export type ProcedureCall = (opts: CallOptions) => Promise<unknown>;

/** How the host calls one procedure: the fast caller, or tRPC's own and why. */
export type CallPlan = { kind: 'fast'; call: ProcedureCall } | { kind: 'fallback'; call: ProcedureCall; reason: string };

/**
 * tRPC's middleware result (MiddlewareOKResult | MiddlewareErrorResult); `marker` is its brand (the
 * string 'middlewareMarker').
 */
type MiddlewareOkResult = { marker?: unknown; ok: true; data?: unknown; ctx?: unknown };
type MiddlewareResult = MiddlewareOkResult | { marker?: unknown; ok: false; error: TRPCError };

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

type Middleware = ((opts: StepOptions & { meta: unknown; next: (opts?: NextOptions) => Promise<MiddlewareResult> }) => unknown) & {
  _type?: string;
};

/** An output schema the host validates results with itself (zod's shape: `parse`, `parseAsync`). */
export interface OutputSchema {
  parse(value: unknown): unknown;
  parseAsync(value: unknown): Promise<unknown>;
}

/**
 * Gives an output schema a parser that answers exactly as the schema does, only faster (zod's
 * `compile`); the host asks for it at the procedure's first call, not at start-up.
 */
export type CompileOutputSchema = (schema: OutputSchema) => OutputSchema;

const MIDDLEWARE_MARKER = 'middlewareMarker';

/** The keys tRPC 11.25.2 puts in `procedure._def`; a new one may change how a call runs. */
const KNOWN_DEF_KEYS = new Set([
  'procedure',
  'inputs',
  'output',
  'meta',
  'resolver',
  'middlewares',
  'type',
  'config',
  'caller',
  'experimental_caller',
  '$types',
  // Deprecated flags, still typed in ProcedureBuilderDef.
  'query',
  'mutation',
  'subscription',
]);

/** The middleware kinds tRPC builds (`.input()`, `.output()`, `.errors()`); `undefined` is `.use()` and the resolver. */
const KNOWN_MIDDLEWARE_KINDS = new Set([undefined, 'input', 'output', 'errors']);

const isOutputSchema = (parser: unknown): parser is OutputSchema =>
  typeof parser === 'object' &&
  parser !== null &&
  typeof (parser as OutputSchema).parse === 'function' &&
  typeof (parser as OutputSchema).parseAsync === 'function';

/**
 * tRPC's output validation (createOutputMiddleware over getParseFn) for a zod-like schema, without
 * its extra copy of the result and its extra await. The same rule as getParseFn: parse
 * synchronously; an error without `issues` means the schema needs parseAsync, from then on. With
 * `compile`, through the schema's compiled parser, made for the first result to validate.
 */
function outputValidation(schema: OutputSchema, compile: CompileOutputSchema | undefined): Middleware {
  const fail = (cause: unknown) => new TRPCError({ message: 'Output validation failed', code: 'INTERNAL_SERVER_ERROR', cause });
  let isAsync = false;
  let compiled: OutputSchema | undefined;
  return (opts) =>
    opts.next().then((result) => {
      if (!result.ok) return result;
      const parser = (compiled ??= compile ? compile(schema) : schema);
      if (!isAsync) {
        try {
          return withData(result, parser.parse(result.data));
        } catch (cause) {
          if (Array.isArray((cause as { issues?: unknown } | null)?.issues)) throw fail(cause);
          isAsync = true;
        }
      }
      return parser.parseAsync(result.data).then(
        (data) => withData(result, data),
        (cause: unknown) => {
          throw fail(cause);
        },
      );
    });
}

/** `{ ...result, data }`, with tRPC's fields spelled out (a spread plus a property is V8's slow path). */
function withData(result: MiddlewareOkResult, data: unknown): MiddlewareResult {
  const copy: Record<string, unknown> = { marker: result.marker, ok: true, data, ctx: result.ctx };
  // A middleware may have added fields of its own: they pass through, as with the spread.
  for (const key of Object.keys(result)) if (!(key in copy)) copy[key] = (result as unknown as Record<string, unknown>)[key];
  return copy as unknown as MiddlewareResult;
}

/** Why this procedure cannot be run by the fast caller, or undefined when it can. */
function fallbackReason(procedure: AnyTRPCProcedure): string | undefined {
  const def = procedure._def as unknown as Record<string, unknown>;
  // `.experimental_caller(fn)`: tRPC's procedure is a wrapper that hands the call to `fn`
  // (createResolver sets `_def.caller` and `_def.experimental_caller: true`).
  if (def.experimental_caller === true || def.caller !== undefined)
    return 'built with .experimental_caller(): its caller override must run';
  const unknownKeys = Object.keys(def).filter((key) => !KNOWN_DEF_KEYS.has(key));
  if (unknownKeys.length > 0) return `procedure._def has keys the fast caller does not know: ${unknownKeys.join(', ')}`;
  const middlewares = def.middlewares;
  if (!Array.isArray(middlewares) || middlewares.length === 0) return 'procedure._def.middlewares is not a non-empty array';
  for (const [index, middleware] of middlewares.entries()) {
    if (typeof middleware !== 'function') return `middleware #${index} is not a function`;
    const kind = (middleware as Middleware)._type;
    if (!KNOWN_MIDDLEWARE_KINDS.has(kind)) return `middleware #${index} is of an unknown kind "${String(kind)}"`;
  }
  return undefined;
}

/** The caller the host uses for a procedure: the fast one when it is sure to behave as tRPC's. */
export function planProcedureCall(procedure: AnyTRPCProcedure, compileOutput?: CompileOutputSchema): CallPlan {
  const reason = fallbackReason(procedure);
  if (reason !== undefined) return { kind: 'fallback', call: (opts) => procedure(opts) as Promise<unknown>, reason };
  return { kind: 'fast', call: fastProcedureCaller(procedure, compileOutput) };
}

/** Only for procedures `fallbackReason` accepts. */
function fastProcedureCaller(procedure: AnyTRPCProcedure, compileOutput: CompileOutputSchema | undefined): ProcedureCall {
  const def = procedure._def as unknown as { middlewares: Middleware[]; output?: unknown; meta?: unknown };
  const outputs = def.middlewares.filter((m) => m._type === 'output');
  // One output validator over a zod-like schema: ours replaces it; anything else runs as tRPC built it.
  const output = outputs.length === 1 && isOutputSchema(def.output) ? outputValidation(def.output, compileOutput) : undefined;
  const chain = def.middlewares.map((m) => (output !== undefined && m._type === 'output' ? output : m));
  const meta = def.meta;

  const failed = (cause: unknown): MiddlewareResult => ({ ok: false, error: getTRPCErrorFromUnknown(cause), marker: MIDDLEWARE_MARKER });

  // Not an async function: one promise per step, not two (each await is a trip through the queue).
  const step = (index: number, opts: StepOptions): Promise<MiddlewareResult> => {
    const middleware = chain[index];
    // tRPC would call `undefined` and turn the TypeError into an error result: the same here.
    if (middleware === undefined) return Promise.resolve(failed(new TypeError(`middleware #${index} is not a function`)));
    try {
      // Promise.resolve: a middleware may answer synchronously (tRPC awaits whatever it returns).
      return Promise.resolve(
        middleware({
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
              // As tRPC merges: spreads define properties, where Object.assign would run setters
              // (__proto__'s: differential.test.ts, context.protoKey).
              ctx: nextOpts?.ctx ? { ...(opts.ctx as Record<string, unknown>), ...nextOpts.ctx } : opts.ctx,
              type: opts.type,
              path: opts.path,
              getRawInput: nextOpts?.getRawInput ?? opts.getRawInput,
              input: nextOpts && 'input' in nextOpts ? nextOpts.input : opts.input,
              signal: opts.signal,
              batchIndex: opts.batchIndex,
            }),
        }) as Promise<MiddlewareResult>,
      ).catch(failed);
    } catch (cause) {
      return Promise.resolve(failed(cause));
    }
  };

  return (opts) =>
    step(0, {
      ctx: opts.ctx,
      type: opts.type,
      path: opts.path,
      getRawInput: opts.getRawInput,
      input: undefined,
      signal: opts.signal,
      batchIndex: opts.batchIndex,
    }).then((result) => {
      // tRPC's own checks (createProcedureCaller): a middleware that answered without next().
      if (!result)
        throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'No result from middlewares - did you forget to `return next()`?' });
      if (!result.ok) throw result.error;
      return result.data;
    });
}
