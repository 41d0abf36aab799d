import { describe, expect, it } from 'vitest';
import { appErrorCodes, errorCatalog, errorMessageFor, isAppErrorCode } from '../src/errors';

describe('error catalog', () => {
  it('gives every code an HTTP status and a zh-CN message', () => {
    for (const code of appErrorCodes) {
      const { status, message } = errorCatalog[code];
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(status === 0 || (status >= 400 && status < 600)).toBe(true);
      expect(message).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('recognises codes and falls back to the generic message for unknown ones', () => {
    expect(isAppErrorCode('WECHAT_CODE_USED')).toBe(true);
    expect(isAppErrorCode('toString')).toBe(false);
    expect(isAppErrorCode(undefined)).toBe(false);
    expect(errorMessageFor('RATE_LIMITED')).toBe('操作太频繁，请稍后再试');
    expect(errorMessageFor('SOME_FUTURE_CODE')).toBe(errorCatalog.INTERNAL_ERROR.message);
  });
});
