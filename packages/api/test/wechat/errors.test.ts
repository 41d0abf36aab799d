/**
 * Which failures prove that WeChat never saw a request: only those may send a single-use code
 * again. The shapes are Node's errors of a connection and its socket (http-exchange.test.ts makes
 * the real ones).
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

describe('transport failures', () => {
  it('tells a connection that never carried the request from one that broke after it', () => {
    const reason = (error: unknown) => transportErrorOf('sns/jscode2session', error).reason;
    expect(reason(systemError('ECONNREFUSED', 'connect'))).toBe('connect');
    expect(reason(systemError('ENOTFOUND', 'getaddrinfo'))).toBe('connect');
    expect(reason(systemError('EAI_AGAIN', 'getaddrinfo'))).toBe('connect');
    const everyAddressRefused = Object.assign(
      new AggregateError([systemError('ECONNREFUSED', 'connect'), systemError('ENETUNREACH', 'connect')]),
      { code: 'ECONNREFUSED' },
    );
    expect(reason(everyAddressRefused)).toBe('connect');

    expect(reason(systemError('EPIPE', 'write'))).toBe('network');
    expect(reason(systemError('ECONNRESET', 'read'))).toBe('network');
    // The codes of a failed connect, raised by a read of a connection already in use: it may have carried the request.
    expect(reason(systemError('EHOSTUNREACH', 'read'))).toBe('network');
    expect(reason(systemError('ENOTFOUND'))).toBe('connect');
    // undici's own: no connection within its connect timeout (nothing sent), the server closed a connection in use.
    expect(
      reason(Object.assign(new Error('Connect Timeout Error'), { name: 'ConnectTimeoutError', code: 'UND_ERR_CONNECT_TIMEOUT' })),
    ).toBe('connect');
    expect(reason(Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' }))).toBe('network');
    expect(reason(Object.assign(new Error('no complete answer within 5000 ms'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(reason(Object.assign(new Error('the answer is compressed (gzip)'), { name: 'ContentEncodingError' }))).toBe('http');
    expect(transportErrorOf('x', systemError('ECONNREFUSED', 'connect')).detail).toBe('Error ECONNREFUSED');
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
