/**
 * tRPC's HTTP batch protocol, the request side: how the calls of one batch are written as a URL
 * (`/trpc/a,b?batch=1`, plus `&input=` for queries) and a body (mutations). The batcher measures
 * URLs with it; the sender sends them.
 */
import type { Call, CallType } from './call';

/** `{ "0": input0, "1": input1 }`, the batch protocol's inputs. */
export function inputsOf(calls: readonly Call[]): string {
  const inputs: Record<number, unknown> = {};
  calls.forEach((call, index) => (inputs[index] = call.input));
  return JSON.stringify(inputs);
}

/** The request's URL under the tRPC endpoint `base`; queries carry their inputs in it. */
export function urlOf(base: string, type: CallType, calls: readonly Call[]): string {
  const path = calls.map((call) => encodeURIComponent(call.op.path)).join(',');
  const url = `${base}/${path}?batch=1`;
  return type === 'query' ? `${url}&input=${encodeURIComponent(inputsOf(calls))}` : url;
}
