/**
 * A router that uses every tRPC feature the lean host claims to serve, built with its own
 * initTRPC (superjson, and an error formatter that reports what it was given, so a host passing
 * another type, path, input or context to getErrorShape shows in the body). The differential
 * suite runs it through the lean host and through tRPC's official Fastify adapter.
 */
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY, type TRPCQueryProcedure } from '@trpc/server';
import type { IncomingHttpHeaders } from 'node:http';
import superjson from 'superjson';
import { z } from 'zod';

export interface FixtureUser {
  name: string;
  role: 'admin' | 'member';
}

export interface FixtureContext {
  requestId: string;
  user: FixtureUser | null;
}

export interface FixtureMeta {
  requiredRole?: FixtureUser['role'];
  label?: string;
}

/** A fixed instant, so answers do not depend on the clock. */
export const FIXED_DATE = new Date('2026-11-24T08:00:00.000Z');

/** The codes `failures.withCode` can fail with. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'UNPROCESSABLE_CONTENT',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
] as const satisfies readonly TRPC_ERROR_CODE_KEY[];

/**
 * The context, from the request's headers (both hosts pass theirs). `x-context` chooses how it is
 * made: `async` (a promise), `throw` (a plain error, thrown synchronously), `reject` (a rejected
 * promise with a TRPCError); otherwise it is made synchronously.
 */
export function createFixtureContext(headers: IncomingHttpHeaders): FixtureContext | Promise<FixtureContext> {
  const requestId = typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : 'no-request-id';
  const match = /^Bearer (admin|member):(\S+)$/.exec(headers.authorization ?? '');
  const user: FixtureUser | null = match?.[1] && match[2] ? { name: match[2], role: match[1] as FixtureUser['role'] } : null;
  switch (headers['x-context']) {
    case 'async':
      return Promise.resolve({ requestId, user });
    case 'throw':
      throw new Error('The context could not be made');
    case 'reject':
      return Promise.reject(new TRPCError({ code: 'UNAUTHORIZED', message: 'The session has ended' }));
    default:
      return { requestId, user };
  }
}

const t = initTRPC
  .context<FixtureContext>()
  .meta<FixtureMeta>()
  .create({
    transformer: superjson,
    // No stack traces: they would name each host's own frames.
    isDev: false,
    errorFormatter: ({ shape, error, type, path, input, ctx }) => ({
      ...shape,
      data: {
        ...shape.data,
        // What the formatter was given: a host passing something else shows here.
        seen: { type, path: path ?? null, input, requestId: ctx?.requestId ?? null },
        issues: error.cause instanceof z.ZodError ? error.cause.issues.map((issue) => issue.message) : null,
      },
    }),
  });

/** next({ ctx }): narrows the user for what follows. */
const authed = t.middleware(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { user: ctx.user } });
});

/** Reads the procedure's meta. */
const requiresRole = t.middleware(({ meta, ctx, next }) => {
  if (meta?.requiredRole && ctx.user?.role !== meta.requiredRole) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Needs the ${meta.requiredRole} role (${meta.label ?? 'unlabelled'})` });
  }
  return next();
});

/** Adds to the context asynchronously. */
const stamped = t.middleware(async ({ ctx, next }) => next({ ctx: { stampedFor: ctx.requestId } }));

/**
 * next({ ctx }) with an own `__proto__` key (as JSON.parse makes one): tRPC merges contexts by
 * spreading, which defines it as a property; a copy by assignment would set the prototype instead.
 */
const addsProtoKey = t.middleware(({ next }) => next({ ctx: JSON.parse('{"__proto__": {"inherited": "from the key"}}') as object }));

/** getRawInput: what the client sent, before any validator; a malformed input is a rejection. */
const describesRawInput = t.middleware(({ getRawInput, next }) =>
  getRawInput().then(
    (raw) => next({ ctx: { rawKind: raw === undefined ? 'none' : Array.isArray(raw) ? 'array' : typeof raw } }),
    () => next({ ctx: { rawKind: 'unreadable' } }),
  ),
);

/** next({ input }) before `.input()`: the validator merges its output into this object. */
const presetsInput = t.middleware(({ next }) => next({ input: { source: 'middleware' } }));

/** Turns one error result into another. */
const mapsNotFound = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'NOT_FOUND')
    throw new TRPCError({ code: 'CONFLICT', message: 'Mapped from NOT_FOUND', cause: result.error });
  return result;
});

const throwsPlainError = t.middleware(() => {
  throw new Error('A plain error in a middleware');
});

/** Middlewares that never call next(): tRPC takes what they return. */
const returnsValue = t.middleware(() => 'not a middleware result' as never);
const returnsNothing = t.middleware(() => undefined as never);
const returnsOwnResult = t.middleware(() => ({ marker: 'middlewareMarker', ok: true, data: 'answered by the middleware' }) as never);

const failWith = ({ input }: { input: { code: (typeof ERROR_CODES)[number] } }): never => {
  throw new TRPCError({ code: input.code, message: `Failed with ${input.code}` });
};
const codeInput = z.object({ code: z.enum(ERROR_CODES) });

/**
 * `.experimental_caller()`: the override wraps what the procedure returns, so a host that skipped it
 * would show. tRPC types such a procedure as a plain function (for server actions); the router and
 * the client need it typed as the query it is on the wire.
 */
const viaCaller = t.procedure
  .experimental_caller(async ({ args, invoke }) => ({ viaCaller: true, data: await invoke(args[0] as Parameters<typeof invoke>[0]) }))
  .input(z.object({ n: z.number() }).optional())
  .query(({ input }) => input?.n ?? 0) as unknown as TRPCQueryProcedure<{
  input: { n: number } | undefined;
  output: { viaCaller: boolean; data: number };
  meta: FixtureMeta;
}>;

export const fixtureRouter = t.router({
  greeting: t.procedure
    .input(z.object({ name: z.string().min(1, 'name is empty') }).optional())
    .query(({ input }) => `Hello, ${input?.name ?? 'world'}`),
  echo: t.procedure.input(z.unknown()).query(({ input }) => ({ input })),
  context: {
    whoami: t.procedure
      .use(authed)
      .use(stamped)
      .query(({ ctx }) => ({ user: ctx.user, stampedFor: ctx.stampedFor })),
    protoKey: t.procedure.use(addsProtoKey).query(({ ctx }) => ({
      ownKey: Object.hasOwn(ctx, '__proto__'),
      plainPrototype: Object.getPrototypeOf(ctx) === Object.prototype,
      inherited: (ctx as { inherited?: unknown }).inherited ?? null,
    })),
    rawInput: t.procedure
      .use(describesRawInput)
      .input(z.unknown())
      .mutation(({ ctx, input }) => ({ rawKind: ctx.rawKind, input })),
    // No validator: only the middleware reads the input.
    rawKind: t.procedure.use(describesRawInput).mutation(({ ctx }) => ctx.rawKind),
  },
  admin: {
    stats: t.procedure
      .meta({ requiredRole: 'admin', label: 'stats' })
      .use(authed)
      .use(requiresRole)
      .query(({ ctx }) => ({ answeredFor: ctx.user.name, since: FIXED_DATE })),
  },
  inputs: {
    merged: t.procedure
      .input(z.object({ id: z.number().int() }))
      .input(z.object({ note: z.string().optional() }))
      .query(({ input }) => input),
    fromMiddleware: t.procedure
      .use(presetsInput)
      .input(z.object({ text: z.string() }))
      .use(({ input, next }) => next({ input: { ...input, text: input.text.trim() } }))
      .mutation(({ input }) => input),
    rich: t.procedure
      .input(z.object({ at: z.date(), tags: z.set(z.string()) }))
      .mutation(({ input }) => ({ dayAfter: new Date(input.at.getTime() + 86_400_000), tags: [...input.tags].sort() })),
  },
  outputs: {
    // parse() throws for async refinements and transforms: tRPC then uses parseAsync.
    asyncRefined: t.procedure
      .input(z.object({ id: z.number() }))
      .output(z.object({ id: z.number() }).refine((value) => Promise.resolve(value.id > 0), 'id must be positive'))
      .query(({ input }) => ({ id: input.id })),
    asyncTransformed: t.procedure.output(z.string().transform((value) => Promise.resolve(value.toUpperCase()))).query(() => 'shout'),
    stripped: t.procedure.output(z.object({ id: z.number() })).query(() => ({ id: 1, secret: 'not in the answer' })),
    invalid: t.procedure.output(z.object({ id: z.number() })).query(() => ({ id: 'not a number' }) as unknown as { id: number }),
  },
  failures: {
    plainError: t.procedure.use(throwsPlainError).query(() => 'never'),
    returnsValue: t.procedure.use(returnsValue).query(() => 'never'),
    returnsNothing: t.procedure.use(returnsNothing).query(() => 'never'),
    shortCircuit: t.procedure.use(returnsOwnResult).query(() => 'never'),
    mapped: t.procedure.use(mapsNotFound).query(() => failWith({ input: { code: 'NOT_FOUND' } })),
    queryWithCode: t.procedure.input(codeInput).query(failWith),
    withCode: t.procedure.input(codeInput).mutation(failWith),
    // A procedure's own error formatter (`.errors()`) shapes its errors instead of the root one.
    ownFormatter: t.procedure
      .errors(({ shape }) => ({ ...shape, data: { ...shape.data, formattedBy: 'procedure' } }))
      .query(() => failWith({ input: { code: 'CONFLICT' } })),
  },
  mutations: {
    rename: t.procedure
      .use(authed)
      .input(z.object({ name: z.string().trim().min(1, 'name is empty').max(20) }))
      .mutation(({ input, ctx }) => ({ from: ctx.user.name, to: input.name, at: FIXED_DATE })),
    nothing: t.procedure.mutation(() => undefined),
  },
  types: {
    rich: t.procedure.query(() => ({
      at: FIXED_DATE,
      map: new Map<string, unknown>([
        ['a', 1],
        ['b', new Date(0)],
      ]),
      set: new Set([1, 2]),
      missing: undefined,
      big: 12345678901234567890n,
      list: [new Date(0), undefined, null],
      pattern: /tRPC/gi,
    })),
    nothing: t.procedure.query(() => undefined),
    nothing2: t.procedure.query(() => null),
    // Only a streaming link can carry a promise: both hosts refuse it.
    streamLike: t.procedure.query(() => ({ later: Promise.resolve(1) })),
    unserializable: t.procedure.query(() => ({
      toJSON() {
        throw new Error('This value cannot be written as JSON');
      },
    })),
  },
  experimental: {
    viaCaller,
  },
});

export type FixtureRouter = typeof fixtureRouter;
