/**
 * The sending half of the Taro link: one batch, one HTTP request over `Taro.request`. It waits for
 * a slot of the shared ConcurrencyLimiter (WeChat runs 10 network tasks at most), leaves out calls
 * that ended meanwhile (nothing is sent if none is left), gives the request a fresh X-Request-Id
 * (which every error of its calls reports), lets the calls abort it, and hands each call its own
 * answer, decoded with superjson like the server's, or the one error that stands for them all.
 */
import { REQUEST_ID_HEADER, type AppErrorCode } from '@app/shared';
import { TRPCClientError } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import superjson from 'superjson';
import { clientError, httpError } from '../errors/app-error';
import { isPlatformTimeout, parseBody, type PlatformRequest, type PlatformRequestTask, type PlatformResponse } from '../platform/network';
import { inputsOf, urlOf } from './batch-request';
import type { Batch, Call } from './call';
import type { ConcurrencyLimiter } from './concurrency';

export interface SenderOptions {
  /** The tRPC endpoint, read when the request is sent. */
  url: () => string;
  request: PlatformRequest;
  limiter: ConcurrencyLimiter;
  /** Headers for each request, read when it is sent (so a refreshed token is used). */
  headers?: () => Record<string, string>;
  createRequestId: () => string;
}

/** Sends a batch once a slot is free; its calls learn the outcome, the caller need not wait. */
export type Sender = (batch: Batch) => void;

/** One item of a batch answer: a call's result or its (superjson-serialized) error. */
interface BatchItem {
  result?: { data?: unknown };
  error?: unknown;
}

function isBatchItem(value: unknown): value is BatchItem {
  return typeof value === 'object' && value !== null && ('result' in value || 'error' in value);
}

function trpcError(serialized: unknown, requestId: string): TRPCClientError<AnyRouter> {
  try {
    // Unchecked here: TRPCClientError.from recognises an error shape itself (else an unknown error).
    return TRPCClientError.from({ error: superjson.deserialize<unknown>(serialized as never) });
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

/** Gives each call its answer: one item each, in order, or one error for the whole request. */
function answer(calls: readonly Call[], response: PlatformResponse, requestId: string): void {
  const body = parseBody(response.data);
  if (Array.isArray(body) && body.length === calls.length && body.every(isBatchItem)) {
    calls.forEach((call, index) => {
      const item: BatchItem | undefined = body[index];
      if (item) deliver(call, item, requestId);
    });
    return;
  }
  // One answer for the whole request: a tRPC error envelope (transformed, so `{ json, meta }`),
  // the server's coded HTTP error (`{ appCode, ... }`), or a gateway's page.
  const whole = isBatchItem(body) ? body.error : undefined;
  const error =
    typeof whole === 'object' && whole !== null && 'json' in whole
      ? trpcError(whole, requestId)
      : httpError(response.statusCode, body, requestId);
  for (const call of calls) call.fail(error);
}

export function createSender(options: SenderOptions): Sender {
  async function sendNow(batch: Batch): Promise<void> {
    // Calls that ended while waiting for a slot are left out; if none is left, nothing is sent.
    const calls = batch.calls.filter((call) => !call.done);
    if (calls.length === 0) return;
    const requestId = options.createRequestId();
    batch.requestId = requestId;
    const failAll = (code: AppErrorCode, cause?: unknown) => {
      for (const call of calls) call.fail(clientError(code, requestId, { cause }));
    };

    let task: PlatformRequestTask;
    try {
      task = options.request({
        url: urlOf(options.url(), batch.type, calls),
        method: batch.type === 'query' ? 'GET' : 'POST',
        header: { 'content-type': 'application/json', ...options.headers?.(), [REQUEST_ID_HEADER]: requestId },
        ...(batch.type === 'mutation' ? { data: inputsOf(calls) } : {}),
        dataType: 'text',
        responseType: 'text',
        // A backstop, a second after the longest of the calls' own timeouts (a sign-in's is longer
        // than a query's): each call's own timer normally fires first.
        timeout: Math.max(...calls.map((call) => call.timeoutMs)) + 1_000,
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
    void aborted.catch(() => undefined);

    let response: PlatformResponse;
    try {
      response = await Promise.race([task, aborted]);
    } catch (error) {
      failAll(isPlatformTimeout(error) ? 'REQUEST_TIMEOUT' : 'NETWORK_ERROR', error);
      return;
    } finally {
      batch.abort = null;
    }
    answer(calls, response, requestId);
  }

  return (batch) => void options.limiter.run(() => sendNow(batch));
}
