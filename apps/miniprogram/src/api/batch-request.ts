/**
 * tRPC's HTTP batch protocol, the request side: how the calls of one batch are written as a URL
 * (`/trpc/a,b?batch=1`, plus `&input=` for queries) and a body (mutations). The batcher measures
 * URLs with it; the sender sends them.
 *
 * A call without input (`undefined`) is left out of the inputs, and a query batch with no input at
 * all has no `input=`: tRPC's servers (the official adapter and the lean host) read a missing input
 * as undefined, as they read superjson's form of undefined, which tRPC's own links send
 * (`{"json":null,"meta":{"values":["undefined"],"v":1}}`, 95 characters once URL-encoded). So
 * `user.me` is `GET /trpc/user.me?batch=1`, and a GET batch holds more calls under the URL limit.
 */
import type { Call, CallType } from './call';

/** `{ "0": input0, "1": input1 }`, the batch protocol's inputs; calls without input left out. */
export function inputsOf(calls: readonly Call[]): string {
  const inputs: Record<number, unknown> = {};
  calls.forEach((call, index) => {
    if (call.input !== undefined) inputs[index] = call.input;
  });
  return JSON.stringify(inputs);
}

/** The request's URL under the tRPC endpoint `base`; queries carry their inputs in it. */
export function urlOf(base: string, type: CallType, calls: readonly Call[]): string {
  const path = calls.map((call) => encodeURIComponent(call.op.path)).join(',');
  const url = `${base}/${path}?batch=1`;
  if (type !== 'query' || calls.every((call) => call.input === undefined)) return url;
  return `${url}&input=${encodeURIComponent(inputsOf(calls))}`;
}
