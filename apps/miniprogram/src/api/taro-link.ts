/**
 * The tRPC terminating link for mini-programs, where there is no fetch and no AbortController:
 * tRPC's HTTP batch protocol over `Taro.request`.
 *
 * - Calls made in the same tick travel as one HTTP request per type (`GET /trpc/a,b?batch=1` for
 *   queries, `POST` for mutations), at most `maxBatchSize` calls and `maxUrlLength` characters each.
 * - Each call has its own timeout, and ends early when its `signal` aborts or its subscriber leaves
 *   (a page unmounts); a request whose calls have all ended is aborted, or never sent.
 * - Requests wait for a slot of the shared ConcurrencyLimiter (WeChat runs 10 at most).
 * - Each HTTP request carries a fresh X-Request-Id, which every error of its calls reports.
 * - Inputs and results go through superjson, like the server's.
 */
import type { AppErrorCode } from '@app/shared';
import { TRPCClientError, type Operation, type OperationResultEnvelope, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable, type Observer } from '@trpc/server/observable';
import superjson from 'superjson';
import { clientError, httpError } from './app-error';
import type { ConcurrencyLimiter } from './concurrency';
import { isPlatformTimeout, type PlatformRequest } from './platform-request';
import { createRequestId } from './request-id';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface TaroLinkOptions {
  /** The tRPC endpoint, e.g. https://api.example.com/trpc; read per request. */
  url: () => string;
  request: PlatformRequest;
  limiter: ConcurrencyLimiter;
  /** Headers for each HTTP request, read when it is sent (so a refreshed token is used). */
  headers?: () => Record<string, string>;
  /** Per call, from the moment it is made; `op.context.timeoutMs` overrides it. Default 15 s. */
  timeoutMs?: number;
  maxBatchSize?: number;
  maxUrlLength?: number;
  createRequestId?: () => string;
}

type CallType = 'query' | 'mutation';
// Whatever the router, this link only moves serialized values: its internals are router-agnostic.
type AnyObserver = Observer<OperationResultEnvelope<unknown, TRPCClientError<AnyRouter>>, TRPCClientError<AnyRouter>>;

interface Batch {
  readonly calls: Call[];
  /** Set while the request is in flight. */
  requestId: string | null;
  abort: (() => void) | null;
}

class Call {
  batch: Batch | null = null;
  done = false;
  readonly #cleanups: Array<() => void> = [];

  constructor(
    readonly op: Operation,
    readonly input: unknown,
    private readonly observer: AnyObserver,
  ) {}

  onEnd(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  succeed(data: unknown, requestId: string): void {
    if (this.#end()) return;
    this.observer.next({ result: { type: 'data', data }, context: { requestId } });
    this.observer.complete();
  }

  fail(error: TRPCClientError<AnyRouter>): void {
    if (this.#end()) return;
    this.observer.error(error);
  }

  /** The subscriber left: no answer is owed. */
  drop(): void {
    this.#end();
  }

  /** Marks the call ended; true when it already was. */
  #end(): boolean {
    if (this.done) return true;
    this.done = true;
    for (const cleanup of this.#cleanups) cleanup();
    // The last live call of a request in flight takes the request down with it.
    if (this.batch?.abort && this.batch.calls.every((call) => call.done)) this.batch.abort();
    return false;
  }
}

interface BatchItem {
  result?: { data?: unknown };
  error?: unknown;
}

function isBatchItem(value: unknown): value is BatchItem {
  return typeof value === 'object' && value !== null && ('result' in value || 'error' in value);
}

/** `{ "0": input0, "1": input1 }`, the batch protocol's inputs. */
function inputsOf(calls: readonly Call[]): string {
  const inputs: Record<number, unknown> = {};
  calls.forEach((call, index) => (inputs[index] = call.input));
  return JSON.stringify(inputs);
}

function urlOf(base: string, type: CallType, calls: readonly Call[]): string {
  const path = calls.map((call) => encodeURIComponent(call.op.path)).join(',');
  const url = `${base}/${path}?batch=1`;
  return type === 'query' ? `${url}&input=${encodeURIComponent(inputsOf(calls))}` : url;
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data; // a platform that parsed JSON anyway
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

export function taroLink<TRouter extends AnyRouter>(options: TaroLinkOptions): TRPCLink<TRouter> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBatchSize = options.maxBatchSize ?? 10;
  const maxUrlLength = options.maxUrlLength ?? 2048;
  const newRequestId = options.createRequestId ?? createRequestId;

  return () => {
    const pending: Record<CallType, Call[]> = { query: [], mutation: [] };
    let flushScheduled = false;

    /** Splits calls into requests that respect the batch size and, for GETs, the URL length. */
    function groupsOf(type: CallType, calls: Call[]): Call[][] {
      const base = options.url();
      const groups: Call[][] = [];
      let group: Call[] = [];
      for (const call of calls) {
        const candidate = [...group, call];
        const tooLong = type === 'query' && urlOf(base, type, candidate).length > maxUrlLength;
        if (group.length > 0 && (candidate.length > maxBatchSize || tooLong)) {
          groups.push(group);
          group = [call];
        } else {
          group = candidate;
        }
      }
      if (group.length > 0) groups.push(group);
      return groups;
    }

    async function send(type: CallType, batch: Batch): Promise<void> {
      // Calls that ended while waiting for a slot are left out; if none is left, nothing is sent.
      const calls = batch.calls.filter((call) => !call.done);
      if (calls.length === 0) return;
      const requestId = newRequestId();
      batch.requestId = requestId;
      const failAll = (code: AppErrorCode, cause?: unknown) => {
        for (const call of calls) call.fail(clientError(code, requestId, { cause }));
      };

      let task: ReturnType<PlatformRequest>;
      try {
        task = options.request({
          url: urlOf(options.url(), type, calls),
          method: type === 'query' ? 'GET' : 'POST',
          header: { 'content-type': 'application/json', ...options.headers?.(), [REQUEST_ID_HEADER]: requestId },
          ...(type === 'mutation' ? { data: inputsOf(calls) } : {}),
          dataType: 'text',
          responseType: 'text',
          // A backstop: each call's own timer normally fires first.
          timeout: timeoutMs + 1_000,
        });
      } catch (error) {
        failAll('NETWORK_ERROR', error);
        return;
      }
      // Aborting settles the wait at once, whatever the platform does with the aborted task: the
      // slot must come back even if the task never calls back.
      const aborted = new Promise<never>((_resolve, reject) => {
        batch.abort = () => {
          task.abort?.();
          reject(new Error('aborted'));
        };
      });
      aborted.catch(() => undefined);

      let response: Awaited<typeof task>;
      try {
        response = await Promise.race([task, aborted]);
      } catch (error) {
        failAll(isPlatformTimeout(error) ? 'REQUEST_TIMEOUT' : 'NETWORK_ERROR', error);
        return;
      } finally {
        batch.abort = null;
      }

      const body = parseBody(response.data);
      if (Array.isArray(body) && body.length === calls.length && body.every(isBatchItem)) {
        body.forEach((item, index) => deliver(calls[index]!, item, requestId));
        return;
      }
      // One answer for the whole request: a tRPC error envelope (transformed, so `{ json, meta }`),
      // the server's coded HTTP error (`{ appCode, ... }`), or a gateway's page.
      const whole = isBatchItem(body) ? body.error : undefined;
      const error =
        typeof whole === 'object' && whole !== null && 'json' in whole ? trpcError(whole, requestId) : httpError(response.statusCode, body, requestId);
      for (const call of calls) call.fail(error);
    }

    function trpcError(serialized: unknown, requestId: string): TRPCClientError<AnyRouter> {
      try {
        return TRPCClientError.from({ error: superjson.deserialize(serialized as never) });
      } catch (cause) {
        return clientError('INTERNAL_ERROR', requestId, { cause });
      }
    }

    function deliver(call: Call, item: BatchItem, requestId: string): void {
      if (item.error !== undefined) {
        call.fail(trpcError(item.error, requestId));
        return;
      }
      try {
        call.succeed(superjson.deserialize(item.result?.data as never), requestId);
      } catch (cause) {
        call.fail(clientError('INTERNAL_ERROR', requestId, { cause }));
      }
    }

    function flush(): void {
      flushScheduled = false;
      for (const type of ['query', 'mutation'] as const) {
        const calls = pending[type].filter((call) => !call.done);
        pending[type] = [];
        for (const group of groupsOf(type, calls)) {
          const batch: Batch = { calls: group, requestId: null, abort: null };
          for (const call of group) call.batch = batch;
          void options.limiter.run(() => send(type, batch));
        }
      }
    }

    return ({ op }) =>
      observable((observer) => {
        if (op.type === 'subscription') {
          observer.error(clientError('METHOD_NOT_ALLOWED', null));
          return () => undefined;
        }
        const call = new Call(op, superjson.serialize(op.input), observer as unknown as AnyObserver);
        const signal = op.signal;
        if (signal?.aborted) {
          call.fail(clientError('REQUEST_CANCELLED', null));
          return () => undefined;
        }
        if (signal) {
          const onAbort = () => call.fail(clientError('REQUEST_CANCELLED', call.batch?.requestId ?? null));
          signal.addEventListener('abort', onAbort);
          call.onEnd(() => signal.removeEventListener('abort', onAbort));
        }
        const ownTimeout = (op.context as { timeoutMs?: unknown }).timeoutMs;
        const timer = setTimeout(
          () => call.fail(clientError('REQUEST_TIMEOUT', call.batch?.requestId ?? null)),
          typeof ownTimeout === 'number' ? ownTimeout : timeoutMs,
        );
        call.onEnd(() => clearTimeout(timer));

        pending[op.type].push(call);
        if (!flushScheduled) {
          flushScheduled = true;
          // The next macrotask: everything a render and its effects start goes in one request.
          setTimeout(flush, 0);
        }
        return () => call.drop();
      });
  };
}
