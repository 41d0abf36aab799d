import { errorCatalog } from '@app/shared';
import { describe, expect, it } from 'vitest';
import { appErrorOf, clientError, httpError } from '../src/errors/app-error';
import { errorToastText } from '../src/ui/error-text';
import { retryDelayMs } from '../src/api/retry-policy';
import { createRequestId } from '../src/api/request-id';

describe('errors for people', () => {
  it('toasts the message with the tail of the request id, or the field problem first', () => {
    const timeout = appErrorOf(clientError('REQUEST_TIMEOUT', 'mp-abc-12345678'));
    expect(errorToastText(timeout)).toBe('请求超时，请稍后重试（编号 12345678）');
    const invalid = appErrorOf(clientError('VALIDATION_FAILED', null, { issues: [{ path: 'nickname', message: '昵称不能为空' }] }));
    expect(errorToastText(invalid)).toBe('昵称不能为空');
  });

  it('shows the catalog message for anything that is not ours', () => {
    expect(appErrorOf(new Error('boom'))).toEqual({
      code: 'INTERNAL_ERROR',
      message: errorCatalog.INTERNAL_ERROR.message,
      requestId: null,
      issues: null,
    });
  });

  it('codes HTTP answers by their body, else by status', () => {
    const coded = appErrorOf(httpError(429, { error: { appCode: 'RATE_LIMITED', requestId: 'srv-1', retryAfterSeconds: 9 } }, 'mp-1'));
    expect(coded).toMatchObject({ code: 'RATE_LIMITED', requestId: 'srv-1', retryAfterSeconds: 9 });
    expect(appErrorOf(httpError(504, '<html>Gateway Timeout</html>', 'mp-2'))).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      requestId: 'mp-2',
    });
    expect(appErrorOf(httpError(418, undefined, null)).code).toBe('INTERNAL_ERROR');
  });
});

describe('transport details', () => {
  it('makes request ids the server accepts, all different', () => {
    const ids = Array.from({ length: 2000 }, createRequestId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
  });

  it('backs off 300 ms then 900 ms, with jitter', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(300);
    expect(retryDelayMs(2, () => 0.5)).toBe(900);
    expect(retryDelayMs(1, () => 0)).toBe(240);
    expect(retryDelayMs(1, () => 1)).toBe(360);
  });
});
