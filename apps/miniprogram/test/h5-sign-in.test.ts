/**
 * A production H5 build has no wx.login and no WeChat mock: its sign-in fails with a code of its
 * own, H5_SIGN_IN_UNSUPPORTED, which says to open the mini-program in WeChat, and the sign-in
 * screen offers no retry for it.
 */
import Taro from '@tarojs/taro';
import { describe, expect, it, vi } from 'vitest';
import { signInRetryCanHelp, SessionManager } from '../src/auth/session';
import { MemorySessionStore } from '../src/auth/session-store';
import { devPhoneCode, getLoginCode } from '../src/auth/wechat-codes';
import { appErrorOf } from '../src/errors/app-error';

// The build facts of a production H5 build: no TARO_APP_WECHAT_MOCK_URL.
vi.mock('../src/config', () => ({ isH5: true, taroEnv: 'h5', clientEnv: { wechatMockUrl: null } }));
vi.mock('@tarojs/taro', () => ({
  default: { request: vi.fn(), login: vi.fn(), getStorageSync: vi.fn(() => ''), setStorageSync: vi.fn() },
}));

const UNSUPPORTED = { code: 'H5_SIGN_IN_UNSUPPORTED', message: '网页版无法使用微信登录，请在微信中打开小程序', requestId: null };

describe('a production H5 build', () => {
  it('gets no WeChat code, and says why instead of blaming WeChat', async () => {
    expect(appErrorOf(await getLoginCode().catch((error: unknown) => error))).toMatchObject(UNSUPPORTED);
    expect(appErrorOf(await devPhoneCode().catch((error: unknown) => error))).toMatchObject(UNSUPPORTED);
    expect(Taro.request).not.toHaveBeenCalled();
    expect(Taro.login).not.toHaveBeenCalled();
  });

  it('shows the sign-in failing with that code, and offers no retry for it', async () => {
    const login = vi.fn();
    const session = new SessionManager({
      api: { login, refresh: vi.fn(), logout: vi.fn() },
      store: new MemorySessionStore(),
      getLoginCode,
    });
    await session.start();

    const state = session.getState();
    expect(state.status).toBe('failed');
    expect(state.status === 'failed' && state.error).toMatchObject(UNSUPPORTED);
    expect(login).not.toHaveBeenCalled();
    expect(signInRetryCanHelp('H5_SIGN_IN_UNSUPPORTED')).toBe(false);
    // WeChat itself failing is worth a retry.
    expect(signInRetryCanHelp('WECHAT_UNAVAILABLE')).toBe(true);
    expect(signInRetryCanHelp('WECHAT_TIMEOUT')).toBe(true);
  });
});
