/**
 * Queries are retried when the network failed them; mutations never are (the first attempt may
 * have reached the server). Timeouts and cancellations are final: the caller's budget is spent.
 */
import type { AppErrorCode } from '@app/shared';
import type { Operation } from '@trpc/client';
import { appCodeOf } from '../errors/app-error';

const RETRYABLE: ReadonlySet<AppErrorCode> = new Set<AppErrorCode>(['NETWORK_ERROR', 'SERVICE_UNAVAILABLE']);

export const MAX_QUERY_RETRIES = 2;

export function shouldRetry({ op, error, attempts }: { op: Operation; error: unknown; attempts: number }): boolean {
  return op.type === 'query' && attempts <= MAX_QUERY_RETRIES && RETRYABLE.has(appCodeOf(error));
}

/** 300 ms, then 900 ms, each ±20 % so that many phones coming back do not retry in step. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(300 * 3 ** (attempt - 1) * (0.8 + 0.4 * random()));
}
