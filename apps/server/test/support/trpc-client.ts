/**
 * The official tRPC client of the app's router, against a listening server: what the suites that
 * call the server as a client would (the mini-program's own link is tested in e2e/).
 */
import type { AppRouter } from '@app/api';
import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import superjson from 'superjson';

export interface TrpcClientOptions {
  /** Read before each request: its access token, sent as `Authorization: Bearer …`, or none. */
  token?: () => string | null;
  /** httpBatchLink (the default, as the mini-program batches) or httpLink (one request per call). */
  batch?: boolean;
  /** Read before each request: more headers to send (X-Forwarded-For, say), beside the token's. */
  headers?: () => Record<string, string>;
}

export function trpcClientFor(address: string, { token = () => null, batch = true, headers = () => ({}) }: TrpcClientOptions = {}) {
  const link = batch ? httpBatchLink : httpLink;
  return createTRPCClient<AppRouter>({
    links: [
      link({
        url: `${address}/trpc`,
        transformer: superjson,
        headers: () => {
          const current = token();
          return { ...headers(), ...(current ? { authorization: `Bearer ${current}` } : {}) };
        },
      }),
    ],
  });
}
