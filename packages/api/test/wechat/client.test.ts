/**
 * The WeChat client against the mock over real HTTP: error codes, retries (which ones may send a
 * single-use code again), the time budget of an operation, the circuit breaker, and the access
 * token (single-flight in memory, one fetch across instances sharing Redis).
 * Timings here are behavioural bounds with generous margins (a failure within the budget, a
 * refusal well under the trial call's latency), not benchmarks.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { appCodeOf } from '../support/errors';
import { RedisAccessTokenStore } from '../../src/wechat/access-token';
import { startWeChatMock } from '@app/wechat-mock';
import { LogCapture } from '@app/test-support';
import { createTestRedis } from '../support/redis';
import { createTestWeChatClient, TEST_APP, useTestMock } from '../support/wechat';

let now = Date.now();
const mock = useTestMock({ now: () => now, loginsPerUserPerMinute: 3 });
afterEach(() => {
  now = Date.now();
});

/** How long a call took to settle, and the application code it failed with. */
async function timed(call: Promise<unknown>): Promise<{ code: string; elapsedMs: number }> {
  const started = performance.now();
  const code = await appCodeOf(call);
  return { code, elapsedMs: performance.now() - started };
}

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Generous: a bound on behaviour, not a measurement (a loaded CI machine must not fail it). */
const MARGIN_MS = 700;

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

  it('does not send a code again after a timeout: the client is told to get a new one, not that it was used', async () => {
    const client = createTestWeChatClient(mock, { timeoutMs: 100, retries: 2, budgetMs: 5_000 });
    mock.world.setFaults({ latencyMs: 300 });
    const code = mock.world.issueLoginCode('frank');
    expect(await appCodeOf(client.code2Session(code))).toBe('WECHAT_TIMEOUT');
    expect(mock.world.stats.requests).toBe(1);

    // WeChat did exchange it, after we stopped waiting: sending it again could only earn 40163.
    await sleep(400);
    expect(mock.world.stats.jscode2session).toBe(1);
    mock.world.clearFaults();
    expect(await appCodeOf(client.code2Session(code))).toBe('WECHAT_CODE_USED');
  });

  it('does not send a code again when the connection broke after the request went out', async () => {
    const client = createTestWeChatClient(mock, { retries: 2 });
    mock.world.setFaults({ down: true });
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('grace')))).toBe('WECHAT_UNAVAILABLE');
    expect(mock.world.stats.requests).toBe(1);
  });

  it('sends a code again when the connection was refused, since WeChat never saw it', async () => {
    const port = await closedPort();
    const logs = new LogCapture();
    const client = createTestWeChatClient(mock, {
      baseUrl: `http://127.0.0.1:${port}`,
      retries: 10,
      retryInitialDelayMs: 50,
      budgetMs: 5_000,
      logs,
    });
    // The bench prefix makes the code valid on a mock that starts only after the call did.
    const signIn = client.code2Session('bench-ivan:1');
    await sleep(100);
    const late = await startWeChatMock({ ...TEST_APP, port, benchCodePrefix: 'bench-' });
    try {
      const session = await signIn;
      expect(session.openid).toBe(late.world.openidOf('ivan'));
      expect(late.world.stats.jscode2session).toBe(1);
      const refused = logs.lines.filter((line) => line.msg === 'WeChat API call failed, retrying' && line.reason === 'connect');
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused[0]?.detail).toContain('ECONNREFUSED');
    } finally {
      await late.close();
    }
  });

  it('reports busy, not "code used", when WeChat used up a code it answered busy for', async () => {
    // Not what the mock does (it answers -1 without looking at the code), so a stub plays WeChat.
    const answers = [
      { errcode: -1, errmsg: 'system error' },
      { errcode: 40163, errmsg: 'code been used' },
    ];
    const stub = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answers.shift() ?? { errcode: 40029, errmsg: 'invalid code' }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = stub.address() as AddressInfo;
      const client = createTestWeChatClient(mock, { baseUrl: `http://127.0.0.1:${port}`, retries: 2 });
      expect(await appCodeOf(client.code2Session('some-code'))).toBe('WECHAT_BUSY');
      expect(answers).toHaveLength(0);
    } finally {
      stub.closeAllConnections();
      await new Promise((resolve) => stub.close(resolve));
    }
  });
});

describe('time budget', () => {
  // A mock of its own: the slow answers these tests stop waiting for still arrive later, and
  // would count in the stats of the tests that follow.
  const wechat = useTestMock();

  it('ends a sign-in with WeChat slow within the budget, not after attempts x timeout', async () => {
    const client = createTestWeChatClient(wechat, { timeoutMs: 5_000, retries: 2, budgetMs: 300 });
    wechat.world.setFaults({ latencyMs: 3_000 });
    const { code, elapsedMs } = await timed(client.code2Session(wechat.world.issueLoginCode('heidi')));
    expect(code).toBe('WECHAT_TIMEOUT');
    expect(elapsedMs).toBeLessThan(300 + MARGIN_MS);
    expect(wechat.world.stats.requests).toBe(1);
  });

  it('ends a sign-in with WeChat down at once', async () => {
    const client = createTestWeChatClient(wechat, { timeoutMs: 5_000, retries: 2, budgetMs: 300 });
    wechat.world.setFaults({ down: true });
    const { code, elapsedMs } = await timed(client.code2Session(wechat.world.issueLoginCode('heidi')));
    expect(code).toBe('WECHAT_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(300 + MARGIN_MS);
  });

  it('stops retrying refused connections when the budget is spent, however many retries are allowed', async () => {
    const client = createTestWeChatClient(wechat, {
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      retries: 1_000,
      retryInitialDelayMs: 20,
      budgetMs: 400,
    });
    const { code, elapsedMs } = await timed(client.code2Session('any-code'));
    expect(code).toBe('WECHAT_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(400 + MARGIN_MS);
  });

  it('retries a call that may be repeated (checksession) on timeouts, within the budget', async () => {
    const client = createTestWeChatClient(wechat, { timeoutMs: 150, retries: 5, budgetMs: 600 });
    const session = await client.code2Session(wechat.world.issueLoginCode('ivy'));
    await client.getAccessToken();
    const before = wechat.world.stats.requests;
    wechat.world.setFaults({ latencyMs: 3_000 });
    const { code, elapsedMs } = await timed(client.checkSession(session.openid, session.sessionKey));
    expect(code).toBe('WECHAT_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(600 + MARGIN_MS);
    expect(wechat.world.stats.requests - before).toBeGreaterThanOrEqual(2);
  });

  it('gives up on an access token fetch that outlasts its timeout, after retrying', async () => {
    const client = createTestWeChatClient(wechat, { timeoutMs: 50, retries: 1 });
    wechat.world.setFaults({ latencyMs: 300 });
    expect(await appCodeOf(client.getAccessToken())).toBe('WECHAT_UNAVAILABLE');
    expect(wechat.world.stats.requests).toBe(2);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold so calls fail fast without reaching WeChat, then recovers by itself', async () => {
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
    await sleep(250);
    const session = await client.code2Session(mock.world.issueLoginCode('gina'));
    expect(session.openid).toBe(mock.world.openidOf('gina'));
    expect(client.breakerState).toBe('closed');
  });

  it('lets only the trial call through while half-open: the others fail at once instead of waiting for it', async () => {
    const client = createTestWeChatClient(mock, { retries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 100, timeoutMs: 3_000 });
    mock.world.setFaults({ down: true });
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('judy')))).toBe('WECHAT_UNAVAILABLE');
    expect(client.breakerState).toBe('open');

    // WeChat is back but slow: the trial call takes 600 ms.
    mock.world.setFaults({ down: false, latencyMs: 600 });
    await sleep(150);
    const trial = client.code2Session(mock.world.issueLoginCode('judy'));
    expect(client.breakerState).toBe('half-open');

    const others = await Promise.all(
      Array.from({ length: 5 }, (_, i) => timed(client.code2Session(mock.world.issueLoginCode(`kim-${i}`)))),
    );
    for (const { code, elapsedMs } of others) {
      expect(code).toBe('WECHAT_UNAVAILABLE');
      expect(elapsedMs).toBeLessThan(300);
    }
    expect((await trial).openid).toBe(mock.world.openidOf('judy'));
    expect(client.breakerState).toBe('closed');
    // The down call and the trial reached WeChat; the five refused ones did not.
    expect(mock.world.stats.requests).toBe(2);
    expect(mock.world.stats.jscode2session).toBe(1);
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

  it('is replaced once when WeChat rejects it, by the token in force, without forcing another', async () => {
    const client = createTestWeChatClient(mock);
    const other = createTestWeChatClient(mock); // another instance, without Redis
    await client.getAccessToken();
    // Someone else force-refreshed: our cached token is now invalid (40001).
    const inForce = mock.world.stableToken({
      grant_type: 'client_credential',
      appid: TEST_APP.appId,
      secret: TEST_APP.appSecret,
      force_refresh: true,
    });
    const phone = await client.getPhoneNumber(mock.world.issuePhoneCode('13800138000'));
    expect(phone.purePhoneNumber).toBe('13800138000');
    expect(mock.world.stats.stableToken).toBe(3);
    expect(await client.getAccessToken()).toBe((inForce as { access_token: string }).access_token);
    // Not forced: the other instance's token is still the one in force, and still works.
    expect(await other.getAccessToken()).toBe((inForce as { access_token: string }).access_token);
    expect((await other.getPhoneNumber(mock.world.issuePhoneCode('13800138001'))).purePhoneNumber).toBe('13800138001');
    expect(mock.world.stats.stableToken).toBe(4);
  });

  it("lets two instances that both hold a rejected token recover without ending each other's", async () => {
    const [a, b] = [createTestWeChatClient(mock), createTestWeChatClient(mock)];
    await Promise.all([a.getAccessToken(), b.getAccessToken()]);
    mock.world.stableToken({ grant_type: 'client_credential', appid: TEST_APP.appId, secret: TEST_APP.appSecret, force_refresh: true });
    expect((await a.getPhoneNumber(mock.world.issuePhoneCode('13800138002'))).purePhoneNumber).toBe('13800138002');
    expect((await b.getPhoneNumber(mock.world.issuePhoneCode('13800138003'))).purePhoneNumber).toBe('13800138003');
    const fetches = mock.world.stats.stableToken;
    // Had b forced a refresh, a's token would be dead now: a 40001 and one more fetch.
    expect((await a.getPhoneNumber(mock.world.issuePhoneCode('13800138004'))).purePhoneNumber).toBe('13800138004');
    expect(mock.world.stats.stableToken).toBe(fetches);
  });

  it('forces a new token when WeChat rejects the one stable_token still hands out', async () => {
    const client = createTestWeChatClient(mock);
    const rejected = await client.getAccessToken();
    mock.world.setFaults({ errcode: 40001, errcodeTimes: 1 });
    expect((await client.getPhoneNumber(mock.world.issuePhoneCode('13800138005'))).purePhoneNumber).toBe('13800138005');
    // The token in force (the rejected one, handed back), then a forced one.
    expect(mock.world.stats.stableToken).toBe(3);
    expect(await client.getAccessToken()).not.toBe(rejected);
  });
});

describe('phone number and session check', () => {
  it('exchanges a single-use phone code for the number', async () => {
    const client = createTestWeChatClient(mock);
    const code = mock.world.issuePhoneCode('13912345678');
    expect(await client.getPhoneNumber(code)).toEqual({ phoneNumber: '+8613912345678', purePhoneNumber: '13912345678', countryCode: '86' });
    expect(await appCodeOf(client.getPhoneNumber(code))).toBe('WECHAT_PHONE_CODE_INVALID');
  });

  it('does not send a phone code again after a timeout', async () => {
    const client = createTestWeChatClient(mock, { timeoutMs: 100, retries: 2 });
    await client.getAccessToken();
    const before = mock.world.stats.requests;
    mock.world.setFaults({ latencyMs: 300 });
    expect(await appCodeOf(client.getPhoneNumber(mock.world.issuePhoneCode('13912345678')))).toBe('WECHAT_TIMEOUT');
    expect(mock.world.stats.requests - before).toBe(1);
    await sleep(300); // the slow answer still arrives: not in the next test's stats
  });

  it('does not send a phone code the wait for the access token left no time for, and it stays usable', async () => {
    const client = createTestWeChatClient(mock, { timeoutMs: 1_000, budgetMs: 1_000, retries: 0 });
    const code = mock.world.issuePhoneCode('13912345670');
    // The token fetch (the first exchange) answers with ~70 ms of the budget left, under an attempt's minimum.
    mock.world.setFaults({ latencyMs: 930 });
    expect(await appCodeOf(client.getPhoneNumber(code))).toBe('WECHAT_UNAVAILABLE');
    expect(mock.world.stats.getPhoneNumber).toBe(0);
    mock.world.clearFaults();
    expect((await client.getPhoneNumber(code)).purePhoneNumber).toBe('13912345670');
  });

  it('checks a session_key with hmac_sha256(session_key, "")', async () => {
    const client = createTestWeChatClient(mock);
    const session = await client.code2Session(mock.world.issueLoginCode('henry'));
    expect(await client.checkSession(session.openid, session.sessionKey)).toBe(true);
    expect(await client.checkSession(session.openid, Buffer.alloc(16).toString('base64'))).toBe(false);
  });
});
