/**
 * What the server's answers hold, for tests that read them with `res.json<T>()` or `JSON.parse`.
 * The tRPC answers are single calls with the superjson transformer.
 */
import type { AppRouter } from '@app/api';
import type { inferRouterError } from '@trpc/server';
import type { SuperJSONResult } from 'superjson';

export type { HttpErrorBody } from '../../src/plugins/error-handling';

/** A tRPC call's data, superjson-encoded. */
export interface TrpcResultBody {
  result: { data: SuperJSONResult };
}

/** A tRPC call's error: the app's error shape (packages/api's errorFormatter), superjson-encoded. */
export interface TrpcErrorBody {
  error: { json: inferRouterError<AppRouter> };
}
