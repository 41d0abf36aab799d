/**
 * Writing answers as tRPC's resolveResponse does: `{ result: { data } }` or `{ error }` (an array
 * for batches), transformed by the router's transformer; the status is the errors' (tRPC's
 * getHTTPStatusCode: 207 when the calls' statuses differ). The JSON is written straight to text,
 * without building and walking wrapper objects.
 */
import type { TRPCError } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';

/** One call's outcome; an error's shape is made when the answer is written (see lean-host.ts). */
export type Outcome = { ok: true; data: unknown } | { ok: false; error: TRPCError; shape: unknown };

/** The content types of the adapter's answers. */
export const JSON_CONTENT_TYPE = 'application/json';
/**
 * The adapter answers a request it could not read (bad path, content type, batch) with a Response
 * whose headers name no content type yet, so the Fetch API's default for a string body applies.
 */
export const UNREAD_REQUEST_CONTENT_TYPE = 'text/plain;charset=UTF-8';

type Serialize = (value: unknown) => unknown;

/** The transformer's output side: for results (possibly a faster equivalent) and for error shapes. */
export interface Serializers {
  result: Serialize;
  error: Serialize;
}

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

const isAsyncIterable = (value: unknown): boolean => isObject(value) && Symbol.asyncIterator in value;

const isPromiseLike = (value: unknown): boolean =>
  (isObject(value) || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function' &&
  typeof (value as { catch?: unknown }).catch === 'function';

/**
 * Data only a streaming link can carry (tRPC's isDataStream): an async iterable, or an object with
 * a promise or an async iterable among its values. The adapter refuses it in a JSON answer.
 * A loop, not Object.values().some(): it runs on every result.
 */
export function isDataStream(data: unknown): boolean {
  if (!isObject(data)) return false;
  if (isAsyncIterable(data)) return true;
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = data[key];
    if (isPromiseLike(value) || isAsyncIterable(value)) return true;
  }
  return false;
}

/** One call's answer as JSON text. Throws when the data cannot be serialized. */
function outcomeText(outcome: Outcome, serializers: Serializers): string {
  if (!outcome.ok) return JSON.stringify({ error: serializers.error(outcome.shape) });
  const data = JSON.stringify(serializers.result(outcome.data));
  return data === undefined ? '{"result":{}}' : `{"result":{"data":${data}}}`;
}

/** The body of the answer: one call's, or the batch's array. Throws when some data cannot be serialized. */
export function answerText(outcomes: readonly Outcome[], isBatch: boolean, serializers: Serializers): string {
  if (outcomes.length === 1 && outcomes[0] !== undefined) {
    const text = outcomeText(outcomes[0], serializers);
    return isBatch ? `[${text}]` : text;
  }
  return `[${outcomes.map((outcome) => outcomeText(outcome, serializers)).join(',')}]`;
}

/** tRPC's status for these outcomes: each error's `data.httpStatus` (or its code's), 207 when they differ. */
export function answerStatus(outcomes: readonly Outcome[]): number {
  if (outcomes.every((outcome) => outcome.ok)) return 200;
  // Only `error` matters to getHTTPStatusCode: successes need no data here.
  const untransformed = outcomes.map((outcome) => (outcome.ok ? { result: { data: null } } : { error: outcome.shape }));
  const errors = outcomes.map((outcome) => (outcome.ok ? undefined : outcome.error));
  return getHTTPStatusCode(untransformed as Parameters<typeof getHTTPStatusCode>[0], errors);
}
