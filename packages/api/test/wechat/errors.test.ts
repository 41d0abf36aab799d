/**
 * Which failures prove that WeChat never saw a request: only those may send a single-use code
 * again. The shapes are Node's fetch (undici) rejections, as seen on Node 24.
 */
import { describe, expect, it } from 'vitest';
import {
  WeChatApiError,
  WeChatTransportError,
  isRetryableSingleUseFailure,
  isTransientWeChatFailure,
  transportErrorOf,
} from '../../src/wechat/errors';

const systemError = (code: string, syscall?: string) => Object.assign(new Error(`${syscall ?? ''} ${code}`), { code, syscall });
const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

describe('transport failures', () => {
  it('tells a connection that never carried the request from one that broke after it', () => {
    const reason = (error: unknown) => transportErrorOf('sns/jscode2session', error).reason;
    expect(reason(fetchFailed(systemError('ECONNREFUSED', 'connect')))).toBe('connect');
    expect(reason(fetchFailed(systemError('ENOTFOUND', 'getaddrinfo')))).toBe('connect');
    expect(reason(fetchFailed(systemError('EAI_AGAIN', 'getaddrinfo')))).toBe('connect');
    expect(reason(fetchFailed(systemError('UND_ERR_CONNECT_TIMEOUT')))).toBe('connect');
    const everyAddressRefused = Object.assign(
      new AggregateError([systemError('ECONNREFUSED', 'connect'), systemError('ENETUNREACH', 'connect')]),
      { code: 'ECONNREFUSED' },
    );
    expect(reason(fetchFailed(everyAddressRefused))).toBe('connect');

    expect(reason(fetchFailed(systemError('UND_ERR_SOCKET')))).toBe('network');
    expect(reason(fetchFailed(systemError('ECONNRESET', 'read')))).toBe('network');
    expect(reason(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe('timeout');
    expect(transportErrorOf('x', fetchFailed(systemError('ECONNREFUSED', 'connect'))).detail).toBe('TypeError ECONNREFUSED');
  });

  it('retries a single-use code only when WeChat did not take it; other calls on any transient failure', () => {
    const transport = (reason: WeChatTransportError['reason']) => new WeChatTransportError('sns/jscode2session', reason);
    const busy = new WeChatApiError('sns/jscode2session', -1, 'system error');
    const used = new WeChatApiError('sns/jscode2session', 40163, 'code been used');

    expect([transport('connect'), busy].map(isRetryableSingleUseFailure)).toEqual([true, true]);
    expect([transport('timeout'), transport('network'), transport('http'), used].map(isRetryableSingleUseFailure)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(
      [transport('connect'), transport('timeout'), transport('network'), transport('http'), busy].every(isTransientWeChatFailure),
    ).toBe(true);
    expect(isTransientWeChatFailure(used)).toBe(false);
  });
});
