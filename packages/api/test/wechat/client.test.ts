/**
 * The WeChat client against the mock over real HTTP: error codes, retries, timeouts, the
 * circuit breaker, and the access token (single-flight in memory, one fetch across instances
 * sharing Redis).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appCodeOf } from '../support/errors';
import { RedisAccessTokenStore } from '../../src/wechat/access-token';
import type { RunningWeChatMock } from '@app/wechat-mock';
import { LogCapture } from '@app/test-support';
import { createTestRedis } from '../support/redis';
import { createTestWeChatClient, startTestMock, TEST_APP } from '../support/wechat';

let mock: RunningWeChatMock;
let now = Date.now();

beforeAll(async () => {
  mock = await startTestMock({ now: () => now, loginsPerUserPerMinute: 3 });
});
afterEach(() => {
  mock.world.reset();
  now = Date.now();
});
afterAll(() => mock.close());

describe('code2Session', () => {
  it('returns the openid, session_key and unionid WeChat issued for the code', async () => {
    const client = createTestWeChatClient(mock);
    const code = mock.world.issueLoginCode('alice');
    const session = await client.code2Session(code);
    expect(session.openid).toBe(mock.world.openidOf('alice'));
    expect(session.openid).toHaveLength(28);
    expect(session.unionid).toBe(mock.world.unionidOf('alice'));
    expect(session.sessionKey).toBe(mock.world.sessionKeyOf(session.openid));
    expect(Buffer.from(session.sessionKey, 'base64')).toHaveLength(16);
  });

  it('maps each WeChat error to its own application code', async () => {
    const client = createTestWeChatClient(mock, { retries: 0 });
    expect(await appCodeOf(client.code2Session('no-such-code'))).toBe('WECHAT_CODE_INVALID');

    const used = mock.world.issueLoginCode('bob');
    await client.code2Session(used);
    expect(await appCodeOf(client.code2Session(used))).toBe('WECHAT_CODE_USED');

    const expired = mock.world.issueLoginCode('bob');
    now += 5 * 60_000 + 1_000;
    expect(await appCodeOf(client.code2Session(expired))).toBe('WECHAT_CODE_INVALID');

    mock.world.setBlocked('mallory', true);
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('mallory')))).toBe('WECHAT_USER_BLOCKED');

    for (let i = 0; i < 3; i += 1) await client.code2Session(mock.world.issueLoginCode('eager'));
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('eager')))).toBe('WECHAT_RATE_LIMITED');

    mock.world.setFaults({ errcode: -1 });
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('carol')))).toBe('WECHAT_BUSY');
  });

  it('treats a wrong app secret as a server fault and never logs the secret', async () => {
    const logs = new LogCapture();
    const client = createTestWeChatClient(mock, { appSecret: 'wrong-secret-value-for-this-test', logs });
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('dave')))).toBe('INTERNAL_ERROR');
    expect(logs.text).toContain('40125');
    expect(logs.text).not.toContain('wrong-secret-value-for-this-test');
    expect(logs.text).not.toContain(TEST_APP.appSecret);
  });

  it('retries busy (-1) with backoff and succeeds when WeChat recovers', async () => {
    const client = createTestWeChatClient(mock, { retries: 2 });
    mock.world.setFaults({ errcode: -1, errcodeTimes: 2 });
    const session = await client.code2Session(mock.world.issueLoginCode('erin'));
    expect(session.openid).toBe(mock.world.openidOf('erin'));
    expect(mock.world.stats.requests).toBe(3);
  });

  it('does not retry a definitive error such as an invalid code', async () => {
    const client = createTestWeChatClient(mock, { retries: 2 });
    await appCodeOf(client.code2Session('never-issued'));
    expect(mock.world.stats.requests).toBe(1);
  });

  it('gives up on a call that outlasts its timeout, after retrying', async () => {
    const client = createTestWeChatClient(mock, { timeoutMs: 50, retries: 1 });
    mock.world.setFaults({ latencyMs: 300 });
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('frank')))).toBe('WECHAT_UNAVAILABLE');
    expect(mock.world.stats.requests).toBe(2);
  });
});

describe('circuit breaker', () => {
  it('opens during an outage so calls fail fast without reaching WeChat, then recovers', async () => {
    const client = createTestWeChatClient(mock, { retries: 0, breakerThreshold: 3, breakerHalfOpenAfterMs: 200 });
    mock.world.setFaults({ down: true });
    for (let i = 0; i < 3; i += 1) {
      expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('gina')))).toBe('WECHAT_UNAVAILABLE');
    }
    expect(mock.world.stats.requests).toBe(3);
    expect(client.breakerState).toBe('open');

    // Open: refused locally, WeChat sees nothing.
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('gina')))).toBe('WECHAT_UNAVAILABLE');
    expect(mock.world.stats.requests).toBe(3);

    // WeChat comes back; after halfOpenAfter one trial call goes through and closes the breaker.
    mock.world.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const session = await client.code2Session(mock.world.issueLoginCode('gina'));
    expect(session.openid).toBe(mock.world.openidOf('gina'));
    expect(client.breakerState).toBe('closed');
  });

  it('does not count user errors (invalid code) as an outage', async () => {
    const client = createTestWeChatClient(mock, { retries: 0, breakerThreshold: 2 });
    for (let i = 0; i < 4; i += 1) await appCodeOf(client.code2Session(`bad-${i}`));
    expect(client.breakerState).toBe('closed');
  });
});

describe('access token', () => {
  it('is fetched once for many concurrent callers and then served from cache', async () => {
    const client = createTestWeChatClient(mock);
    const tokens = await Promise.all(Array.from({ length: 25 }, () => client.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(mock.world.stats.stableToken).toBe(1);
    await client.getAccessToken();
    expect(mock.world.stats.stableToken).toBe(1);
  });

  it('is refreshed shortly before it expires', async () => {
    const client = createTestWeChatClient(mock, { now: () => now });
    const first = await client.getAccessToken();
    now += 7200_000 - 4 * 60_000; // within the 5-minute margin
    const second = await client.getAccessToken();
    expect(mock.world.stats.stableToken).toBe(2);
    expect(second).not.toBe(first);
  });

  it('is fetched by only one of two instances sharing Redis', async () => {
    const shared = createTestRedis();
    try {
      const a = createTestWeChatClient(mock, { tokenStore: new RedisAccessTokenStore(shared.redis, TEST_APP.appId) });
      const b = createTestWeChatClient(mock, { tokenStore: new RedisAccessTokenStore(shared.redis, TEST_APP.appId) });
      mock.world.setFaults({ latencyMs: 50 }); // keep the first fetch in flight while the other waits
      const tokens = await Promise.all([
        ...Array.from({ length: 10 }, () => a.getAccessToken()),
        ...Array.from({ length: 10 }, () => b.getAccessToken()),
      ]);
      expect(new Set(tokens).size).toBe(1);
      expect(mock.world.stats.stableToken).toBe(1);
    } finally {
      await shared.close();
    }
  });

  it('is replaced once when WeChat rejects it, with force_refresh', async () => {
    const client = createTestWeChatClient(mock);
    await client.getAccessToken();
    // Someone else force-refreshed: our cached token is now invalid (40001).
    mock.world.stableToken({ grant_type: 'client_credential', appid: TEST_APP.appId, secret: TEST_APP.appSecret, force_refresh: true });
    const phone = await client.getPhoneNumber(mock.world.issuePhoneCode('13800138000'));
    expect(phone.purePhoneNumber).toBe('13800138000');
    expect(mock.world.stats.stableToken).toBe(3);
  });
});

describe('phone number and session check', () => {
  it('exchanges a single-use phone code for the number', async () => {
    const client = createTestWeChatClient(mock);
    const code = mock.world.issuePhoneCode('13912345678');
    expect(await client.getPhoneNumber(code)).toEqual({ phoneNumber: '+8613912345678', purePhoneNumber: '13912345678', countryCode: '86' });
    expect(await appCodeOf(client.getPhoneNumber(code))).toBe('WECHAT_PHONE_CODE_INVALID');
  });

  it('checks a session_key with hmac_sha256(session_key, "")', async () => {
    const client = createTestWeChatClient(mock);
    const session = await client.code2Session(mock.world.issueLoginCode('henry'));
    expect(await client.checkSession(session.openid, session.sessionKey)).toBe(true);
    expect(await client.checkSession(session.openid, Buffer.alloc(16).toString('base64'))).toBe(false);
  });
});
