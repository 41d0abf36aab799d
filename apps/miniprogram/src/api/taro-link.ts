/**
 * The tRPC terminating link for mini-programs, where there is no fetch and no AbortController:
 * tRPC's HTTP batch protocol over `Taro.request`. It only composes three parts:
 *
 * - call.ts: each call has its own timeout, and ends early when its `signal` aborts or its
 *   subscriber leaves (a page unmounts); a request whose calls have all ended is aborted, or never sent.
 * - batcher.ts: calls made in the same tick travel as one HTTP request per type (`GET /trpc/a,b?batch=1`
 *   for queries, `POST` for mutations), at most `maxBatchSize` calls and `maxUrlLength` characters each.
 * - sender.ts: each request waits for a slot of the shared ConcurrencyLimiter (WeChat runs 10 at
 *   most), carries a fresh X-Request-Id, which every error of its calls reports, and its answer is
 *   read with superjson, like the server's.
 */
import { MAX_BATCH_SIZE } from '@app/shared';
import type { TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { clientError } from '../errors/app-error';
import type { PlatformRequest } from '../platform/network';
import { createBatcher } from './batcher';
import { openCall } from './call';
import type { ConcurrencyLimiter } from './concurrency';
import { createRequestId } from './request-id';
import { createSender } from './sender';

export interface TaroLinkOptions {
  /** The tRPC endpoint, e.g. https://api.example.com/trpc; read per request. */
  url: () => string;
  request: PlatformRequest;
  limiter: ConcurrencyLimiter;
  /** Headers for each HTTP request, read when it is sent (so a refreshed token is used). */
  headers?: () => Record<string, string>;
  /** Per call, from the moment it is made; `op.context.timeoutMs` overrides it. Default 15 s. */
  timeoutMs?: number;
  /** Default: the server's limit, MAX_BATCH_SIZE (10). */
  maxBatchSize?: number;
  /** For GET requests. Default 2,048 characters, a URL length that servers and proxies commonly accept. */
  maxUrlLength?: number;
  createRequestId?: () => string;
}

export function taroLink<TRouter extends AnyRouter>(options: TaroLinkOptions): TRPCLink<TRouter> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const send = createSender({
    url: options.url,
    request: options.request,
    limiter: options.limiter,
    ...(options.headers ? { headers: options.headers } : {}),
    createRequestId: options.createRequestId ?? createRequestId,
  });

  return () => {
    // One queue per client the link serves: calls of two clients never share a request.
    const batcher = createBatcher({
      url: options.url,
      maxBatchSize: options.maxBatchSize ?? MAX_BATCH_SIZE,
      maxUrlLength: options.maxUrlLength ?? 2048,
      send,
    });
    return ({ op }) =>
      observable((observer) => {
        if (op.type === 'subscription') {
          observer.error(clientError('METHOD_NOT_ALLOWED', null));
          return () => undefined;
        }
        const call = openCall(op, op.type, observer, timeoutMs);
        if (!call.done) batcher.add(call);
        return () => call.drop();
      });
  };
}
