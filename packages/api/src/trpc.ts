/**
 * The one initTRPC of the project. Procedures are built only from what this file exports.
 */
import { initTRPC, type AnyTRPCProcedure } from '@trpc/server';
import superjson from 'superjson';
import type { Context } from './context';
import { classifyError, httpStatusOf } from './errors';
import type { ProcedureMeta } from './meta';
import { errorCatalog, type AppErrorData } from '@app/shared';

// Procedures may describe themselves as REST operations too (meta.ts).
const builder = initTRPC.context<Context>().meta<ProcedureMeta>();

const t = builder.create({
  transformer: superjson,
  // Stacks are added by the formatter below, only when the context allows it.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const classified = classifyError(error);
    const { appCode, issues, retryAfterSeconds } = classified;
    // Stacks and internal messages only for server faults, and only where the context allows.
    const expose = ctx?.exposeErrors === true && appCode === 'INTERNAL_ERROR';
    const data: AppErrorData & { httpStatus: number; path?: string; stack?: string } = {
      appCode,
      requestId: ctx?.requestId ?? null,
      issues,
      // tRPC answers with this status: a database outage is the catalog's 503, not a 500.
      httpStatus: httpStatusOf(error, classified),
      ...(shape.data.path === undefined ? {} : { path: shape.data.path }),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      ...(expose && error.stack ? { stack: error.stack } : {}),
    };
    // Internal messages may name tables, hosts or secrets: clients get the catalog's text.
    const message = expose ? error.message : errorCatalog[appCode].message;
    return { message, code: shape.code, data };
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

/**
 * Requires a valid access token for a live session; narrows `ctx.session` to non-null.
 * The token is verified here, not per request, so public procedures never pay for it.
 * Mutations are also rate limited per user.
 */
export const authedProcedure = t.procedure.use(async ({ ctx, type, next }) => {
  const session = ctx.session ?? (await ctx.auth.authenticate(ctx.authorization));
  if (type === 'mutation') await ctx.rateLimits.consume('mutationsPerUser', String(session.userId));
  // tRPC merges this into the context; passing only what changes spares a copy of all of it.
  // `return await`: returning the promise itself from an async function costs two more ticks.
  return await next({ ctx: { session } });
});

/** The session check above, as every procedure built from authedProcedure carries it. */
const sessionMiddleware: unknown = authedProcedure._def.middlewares.at(-1);

/**
 * Whether a procedure needs a signed-in user: read from the procedure itself, so that what the
 * OpenAPI document says about authentication cannot drift from what the procedure does.
 */
export function requiresSession(procedure: AnyTRPCProcedure): boolean {
  const { middlewares } = procedure._def as { middlewares?: readonly unknown[] };
  return middlewares?.includes(sessionMiddleware) === true;
}
