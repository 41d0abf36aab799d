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

  // What each code promises, not its exact wording: a copy of the catalog's text only restates it.
  it('tells a user whose sign-in WeChat did not answer in time to try again (with a new code)', () => {
    expect(errorCatalog.WECHAT_TIMEOUT.status).toBe(503); // the server's, and temporary
    expect(errorCatalog.WECHAT_TIMEOUT.message).toContain('重试');
    expect(errorCatalog.WECHAT_TIMEOUT.message).not.toBe(errorCatalog.WECHAT_CODE_USED.message);
  });

  it('tells a user of the web build, which cannot sign in, to open the mini-program in WeChat (a client-side code)', () => {
    expect(errorCatalog.H5_SIGN_IN_UNSUPPORTED.status).toBe(0); // raised by the client, never sent by the server
    expect(errorCatalog.H5_SIGN_IN_UNSUPPORTED.message).toContain('在微信中打开');
    expect(errorCatalog.H5_SIGN_IN_UNSUPPORTED.message).not.toBe(errorCatalog.WECHAT_UNAVAILABLE.message);
  });

  it('recognises codes and falls back to the generic message for unknown ones', () => {
    expect(isAppErrorCode('WECHAT_CODE_USED')).toBe(true);
    expect(isAppErrorCode('toString')).toBe(false);
    expect(isAppErrorCode(undefined)).toBe(false);
    expect(errorMessageFor('RATE_LIMITED')).toBe('操作太频繁，请稍后再试');
    expect(errorMessageFor('SOME_FUTURE_CODE')).toBe(errorCatalog.INTERNAL_ERROR.message);
  });
});
