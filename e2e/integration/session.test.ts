/**
 * Signing in, as the app does it at launch and from the 我的 page, against the real server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { appErrorOf } from '@app/miniprogram/src/errors/app-error';
import { MemorySessionStore } from '@app/miniprogram/src/auth/session-store';
import { createTestApi, EXPIRE_ACCESS_TOKEN_MS, rejectionOf } from './support/api';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ACCESS_TOKEN_TTL_SECONDS: '10' });
});
afterAll(() => server.close());
afterEach(() => server.mock.world.clearFaults());

describe('launch', () => {
  it('signs in silently on first launch, and keeps the session on the next without a new login', async () => {
    const store = new MemorySessionStore();
    const first = createTestApi(server, { sessionStore: store }, 'launch-user');
    expect(first.session.state.status).toBe('signing-in');
    await first.session.start();
    const anyUserId: unknown = expect.any(Number);
    expect(first.session.state).toEqual({ status: 'signed-in', userId: anyUserId });
    const me = await first.client.user.me.query();

    // The app is closed and opened again: same storage, a new client.
    const logins = server.mock.world.stats.jscode2session;
    const second = createTestApi(server, { sessionStore: store }, 'launch-user');
    expect(second.session.state).toEqual({ status: 'signed-in', userId: me.id });
    await second.session.start();
    expect((await second.client.user.me.query()).id).toBe(me.id);
    expect(server.mock.world.stats.jscode2session).toBe(logins);
    expect(second.trpcRequests().map((r) => r.procedures)).toEqual(['user.me']);
  });

  it('signs in again when the kept session can no longer be refreshed', async () => {
    const store = new MemorySessionStore();
    const first = createTestApi(server, { sessionStore: store }, 'stale-user');
    await first.session.start();
    store.save({ ...store.load()!, refreshTokenExpiresAt: server.clock.now().getTime() - 1 });

    const second = createTestApi(server, { sessionStore: store }, 'stale-user');
    await second.session.start();
    expect(second.trpcRequests().map((r) => r.procedures)).toEqual(['auth.login']);
    expect(second.session.userId).toBe(first.session.userId);
  });

  it('shares one login among concurrent sign-ins', async () => {
    const api = createTestApi(server);
    await Promise.all([api.session.signIn(), api.session.signIn(), api.session.start()]);
    expect(api.trpcRequests().filter((r) => r.procedures === 'auth.login')).toHaveLength(1);
  });

  it('reports a failed sign-in with its code, and signs in on retry', async () => {
    const api = createTestApi(server, { signInTimeoutMs: 3_000 });
    const seen: string[] = [];
    api.session.subscribe(() => seen.push(api.session.state.status));
    server.mock.world.setFaults({ down: true });

    await api.session.start();
    const state = api.session.state;
    expect(state.status).toBe('failed');
    expect(state.status === 'failed' && state.error).toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      message: '暂时无法连接微信服务，请稍后再试',
    });

    server.mock.world.clearFaults();
    await api.session.signIn();
    expect(api.session.state.status).toBe('signed-in');
    expect(seen).toEqual(['signing-in', 'failed', 'signing-in', 'signed-in']);
  });
});

describe('WeChat too slow to answer the code exchange', () => {
  // The server gives WeChat 300 ms; the mock takes a second. The server must not send the code
  // again (WeChat may have used it up), so a sign-in is retried only from a new wx.login code.
  let slow: TestServer;
  beforeAll(async () => {
    slow = await startTestServer({ WECHAT_TIMEOUT_MS: '300' });
  });
  afterEach(() => slow.mock.world.clearFaults());
  afterAll(() => slow.close());

  /** A test user's codes, as wx.login hands them out; `beforeCode` runs before each one. */
  function loginCodes(user: string, beforeCode: (count: number) => void = () => undefined) {
    const codes: string[] = [];
    const getLoginCode = () => {
      beforeCode(codes.length);
      const code = slow.loginCode(user);
      codes.push(code);
      return Promise.resolve(code);
    };
    return { codes, getLoginCode };
  }

  it('signs in on one silent retry with a new code once WeChat answers again', async () => {
    // WeChat is fast again by the time the app asks for its second code.
    const { codes, getLoginCode } = loginCodes('patient-user', (count) => {
      if (count === 1) slow.mock.world.clearFaults();
    });
    const api = createTestApi(slow, { getLoginCode });
    const seen: string[] = [];
    api.session.subscribe(() => seen.push(api.session.state.status));
    slow.mock.world.setFaults({ latencyMs: 1_000 });

    await api.session.start();
    expect(api.session.state.status).toBe('signed-in');
    expect(seen).toEqual(['signing-in', 'signed-in']); // the failed first attempt never showed
    expect(new Set(codes).size).toBe(2);
    expect(api.trpcRequests().filter((r) => r.procedures === 'auth.login')).toHaveLength(2);
  });

  it('fails with WECHAT_TIMEOUT after that one retry, never WECHAT_CODE_USED, and 重试 signs in with a new code', async () => {
    const { codes, getLoginCode } = loginCodes('unlucky-user');
    const api = createTestApi(slow, { getLoginCode });
    slow.mock.world.setFaults({ latencyMs: 1_000 });

    await api.session.start();
    const state = api.session.state;
    expect(state.status === 'failed' && state.error).toMatchObject({ code: 'WECHAT_TIMEOUT', message: '微信响应超时，请重试' });
    expect(codes).toHaveLength(2);
    expect(api.trpcRequests().filter((r) => r.procedures === 'auth.login')).toHaveLength(2);

    // The user taps 重试 once WeChat is back.
    slow.mock.world.clearFaults();
    await api.session.signIn();
    expect(api.session.state.status).toBe('signed-in');
    expect(new Set(codes).size).toBe(3);
    // The slow exchanges did complete on WeChat's side, each with its own code: none was used twice.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(slow.mock.world.stats.jscode2session).toBeGreaterThanOrEqual(3);
    expect(slow.logs.text).not.toContain('40163');
  });
});

describe('sign-out', () => {
  it('ends the session on the server and here; signing in again finds the same user', async () => {
    const api = createTestApi(server, {}, 'leaving-user');
    await api.session.start();
    const userId = api.session.userId;
    const oldToken = api.session.accessToken!;

    await api.session.signOut();
    expect(api.session.state.status).toBe('signed-out');
    expect(api.sessionStore.load()).toBeNull();
    expect(api.trpcRequests().at(-1)?.procedures).toBe('auth.logout');
    // The old token is dead on the server at once.
    const response = await fetch(`${server.url}/trpc/user.me`, { headers: { authorization: `Bearer ${oldToken}` } });
    expect(response.status).toBe(401);

    await api.session.signIn();
    expect(api.session.userId).toBe(userId);
  });

  it('refreshes an expired token first, so the logout reaches the server', async () => {
    const api = createTestApi(server);
    await api.session.start();
    server.clock.advance(EXPIRE_ACCESS_TOKEN_MS);
    await api.session.signOut();
    expect(
      api
        .trpcRequests()
        .map((r) => r.procedures)
        .slice(-2),
    ).toEqual(['auth.refresh', 'auth.logout']);
  });

  it('signs out locally even when the server cannot be reached', async () => {
    const api = createTestApi(server);
    await api.session.start();
    api.platform.failNext(1); // the logout
    await api.session.signOut();
    expect(api.session.state.status).toBe('signed-out');
    expect(appErrorOf(await rejectionOf(api.client.user.me.query())).code).toBe('AUTH_REQUIRED');
  });
});

describe('listeners', () => {
  it('stop hearing changes once unsubscribed', async () => {
    const api = createTestApi(server);
    const listener = vi.fn();
    const unsubscribe = api.session.subscribe(listener);
    await api.session.start();
    const calls = listener.mock.calls.length;
    unsubscribe();
    await api.session.signOut();
    expect(listener.mock.calls.length).toBe(calls);
  });
});
