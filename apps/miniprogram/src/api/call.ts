/**
 * One tRPC call inside the Taro link, from the moment it is made to its one answer: data, an
 * error, or nothing when its subscriber left. It has its own timeout and ends early when its
 * `signal` aborts; the last live call of a request in flight takes the request down with it.
 * The batcher groups calls into batches; the sender answers them.
 */
import type { Operation, OperationResultEnvelope, TRPCClientError } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { Observer } from '@trpc/server/observable';
import superjson from 'superjson';
import { clientError } from '../errors/app-error';

export type CallType = 'query' | 'mutation';

// Whatever the router, the link only moves serialized values: its internals are router-agnostic.
export type AnyObserver = Observer<OperationResultEnvelope<unknown, TRPCClientError<AnyRouter>>, TRPCClientError<AnyRouter>>;

/** The calls of one HTTP request. */
export interface Batch {
  readonly type: CallType;
  readonly calls: readonly Call[];
  /** Set when the request is sent, so that a call ending early can quote it. */
  requestId: string | null;
  /** Set while the request is in flight. */
  abort: (() => void) | null;
}

export class Call {
  batch: Batch | null = null;
  done = false;
  readonly #cleanups: Array<() => void> = [];

  constructor(
    readonly op: Operation,
    readonly type: CallType,
    /** The input as superjson writes it, ready for the batch's JSON; undefined when there is none (batch-request.ts). */
    readonly input: unknown,
    private readonly observer: AnyObserver,
    /** How long it may take from the moment it was made. */
    readonly timeoutMs: number,
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

/**
 * Makes the call for `op` and starts its clock: it fails with REQUEST_TIMEOUT after its timeout
 * (`op.context.timeoutMs`, else `defaultTimeoutMs`) and with REQUEST_CANCELLED when its signal
 * aborts. A call whose signal had aborted already comes back ended (`done`).
 */
export function openCall(op: Operation, type: CallType, observer: AnyObserver, defaultTimeoutMs: number): Call {
  const ownTimeout = (op.context as { timeoutMs?: unknown }).timeoutMs;
  const input = op.input === undefined ? undefined : superjson.serialize(op.input);
  const call = new Call(op, type, input, observer, typeof ownTimeout === 'number' ? ownTimeout : defaultTimeoutMs);
  const signal = op.signal;
  if (signal?.aborted) {
    call.fail(clientError('REQUEST_CANCELLED', null));
    return call;
  }
  if (signal) {
    const onAbort = () => call.fail(clientError('REQUEST_CANCELLED', call.batch?.requestId ?? null));
    signal.addEventListener('abort', onAbort);
    call.onEnd(() => signal.removeEventListener('abort', onAbort));
  }
  const timer = setTimeout(() => call.fail(clientError('REQUEST_TIMEOUT', call.batch?.requestId ?? null)), call.timeoutMs);
  call.onEnd(() => clearTimeout(timer));
  return call;
}
