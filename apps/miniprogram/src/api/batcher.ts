/**
 * The batching half of the Taro link: collects the calls made in one tick and turns them into
 * batches, one HTTP request each: per type (GET for queries, POST for mutations), at most
 * `maxBatchSize` calls, and for GETs at most `maxUrlLength` characters of URL (POST bodies have no
 * such limit). Calls that ended before the tick was over are left out. Each batch goes to `send`.
 */
import { urlOf } from './batch-request';
import type { Batch, Call, CallType } from './call';

export interface BatcherOptions {
  /** The tRPC endpoint, read when the batches are formed (GET URLs are measured against it). */
  url: () => string;
  maxBatchSize: number;
  maxUrlLength: number;
  /** Takes each batch formed; the batch's calls point back at it from then on. */
  send: (batch: Batch) => void;
}

export interface Batcher {
  /** Queues a live call for the batches of this tick. */
  add(call: Call): void;
}

/** Splits calls into groups that respect the batch size and, for GETs, the URL length. */
function groupCalls(
  type: CallType,
  calls: readonly Call[],
  base: string,
  limits: Pick<BatcherOptions, 'maxBatchSize' | 'maxUrlLength'>,
): Call[][] {
  const groups: Call[][] = [];
  let group: Call[] = [];
  for (const call of calls) {
    const candidate = [...group, call];
    const tooLong = type === 'query' && urlOf(base, type, candidate).length > limits.maxUrlLength;
    if (group.length > 0 && (candidate.length > limits.maxBatchSize || tooLong)) {
      groups.push(group);
      group = [call];
    } else {
      group = candidate;
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

export function createBatcher(options: BatcherOptions): Batcher {
  const pending: Record<CallType, Call[]> = { query: [], mutation: [] };
  let flushScheduled = false;

  function flush(): void {
    flushScheduled = false;
    for (const type of ['query', 'mutation'] as const) {
      const calls = pending[type].filter((call) => !call.done);
      pending[type] = [];
      for (const group of groupCalls(type, calls, options.url(), options)) {
        const batch: Batch = { type, calls: group, requestId: null, abort: null };
        for (const call of group) call.batch = batch;
        options.send(batch);
      }
    }
  }

  return {
    add(call) {
      pending[call.type].push(call);
      if (!flushScheduled) {
        flushScheduled = true;
        // The next macrotask: everything a render and its effects start goes in one request.
        setTimeout(flush, 0);
      }
    },
  };
}
