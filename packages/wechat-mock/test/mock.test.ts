/**
 * The mock keeps WeChat's documented rules, since the server's tests trust it to: login codes are
 * single-use and live 5 minutes, errors carry the official codes, faults can be injected, and the
 * process refuses production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProcessConfig } from '../src/config';
import {
  assertMockAllowed,
  sessionSignatureOf,
  startWeChatMock,
  WECHAT_ERRORS,
  WeChatMockWorld,
  type RunningWeChatMock,
} from '../src/index';

const APP = { appId: 'wx00000000000000aa', appSecret: 'mock-test-secret-0123456789abcdef' };
const exchange = (world: WeChatMockWorld, code: string) =>
  world.jscode2session({ appid: APP.appId, secret: APP.appSecret, js_code: code, grant_type: 'authorization_code' });

describe('the login code exchange (jscode2session)', () => {
  it('accepts a code once, for five minutes, and says why it refuses', () => {
    let now = 0;
    const world = new WeChatMockWorld({ ...APP, now: () => now });
    const code = world.issueLoginCode('alice');
    expect(exchange(world, code)).toMatchObject({ openid: world.openidOf('alice') });
    expect(exchange(world, code)).toEqual(WECHAT_ERRORS.CODE_USED);

    const late = world.issueLoginCode('alice');
    now += 5 * 60_000 + 1;
    expect(exchange(world, late)).toEqual(WECHAT_ERRORS.INVALID_CODE);
    expect(exchange(world, 'never-issued')).toEqual(WECHAT_ERRORS.INVALID_CODE);
  });

  it('checks the app credentials and blocked users', () => {
    const world = new WeChatMockWorld(APP);
    expect(
      world.jscode2session({ appid: 'wx0000000000000bad', secret: APP.appSecret, js_code: 'x', grant_type: 'authorization_code' }),
    ).toEqual(WECHAT_ERRORS.INVALID_APPID);
    world.setBlocked('mallory', true);
    expect(exchange(world, world.issueLoginCode('mallory'))).toEqual(WECHAT_ERRORS.USER_BLOCKED);
  });

  it('limits sign-ins per user per minute with 45011', () => {
    const world = new WeChatMockWorld({ ...APP, loginsPerUserPerMinute: 2 });
    for (let i = 0; i < 2; i += 1) expect(exchange(world, world.issueLoginCode('bob'))).toHaveProperty('openid');
    expect(exchange(world, world.issueLoginCode('bob'))).toEqual(WECHAT_ERRORS.FREQUENCY_LIMIT);
  });
});

describe('access tokens and session checks', () => {
  it('keeps the token in force until its last five minutes, and checksession verifies the HMAC', () => {
    let now = 0;
    const world = new WeChatMockWorld({ ...APP, now: () => now });
    const ask = () =>
      world.stableToken({ grant_type: 'client_credential', appid: APP.appId, secret: APP.appSecret }) as {
        access_token: string;
        expires_in: number;
      };
    const first = ask();
    expect(first.expires_in).toBe(7200);
    expect(ask().access_token).toBe(first.access_token);
    now += (7200 - 5 * 60) * 1000;
    expect(ask().access_token).not.toBe(first.access_token);

    const session = exchange(world, world.issueLoginCode('carol')) as { openid: string; session_key: string };
    const check = (signature: string) =>
      world.checkSession({ access_token: first.access_token, openid: session.openid, signature, sig_method: 'hmac_sha256' });
    expect(check(sessionSignatureOf(session.session_key))).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(check('0'.repeat(64))).toEqual(WECHAT_ERRORS.INVALID_SIGNATURE);
  });
});

describe('over HTTP, with faults', () => {
  let mock: RunningWeChatMock;
  beforeAll(async () => {
    mock = await startWeChatMock(APP);
  });
  afterAll(() => mock.close());

  it('answers the official endpoint, then an injected error as many times as asked, then normally again', async () => {
    const sessionUrl = (code: string) =>
      `${mock.url}/sns/jscode2session?appid=${APP.appId}&secret=${APP.appSecret}&js_code=${code}&grant_type=authorization_code`;
    const { code } = (await (await fetch(`${mock.url}/__dev/login-code`, { method: 'POST', body: '{"user":"dave"}' })).json()) as {
      code: string;
    };
    await fetch(`${mock.url}/__dev/faults`, { method: 'POST', body: JSON.stringify({ errcode: -1, errcodeTimes: 1 }) });
    expect(await (await fetch(sessionUrl(code))).json()).toEqual(WECHAT_ERRORS.SYSTEM_BUSY);
    expect(await (await fetch(sessionUrl(code))).json()).toHaveProperty('openid');
  });

  it('drops connections when down, as an outage does', async () => {
    mock.world.setFaults({ down: true });
    await expect(fetch(`${mock.url}/cgi-bin/stable_token`, { method: 'POST', body: '{}' })).rejects.toThrow();
    mock.world.clearFaults();
  });
});

describe('the mock process', () => {
  it('refuses production, and takes its settings from options, then the environment', () => {
    expect(() => assertMockAllowed('production')).toThrow(/production/);
    expect(() => assertMockAllowed('development')).not.toThrow();
    const config = mockProcessConfig(['--port', '0'], { WECHAT_MOCK_PORT: '4001', WECHAT_APP_ID: APP.appId });
    expect(config).toMatchObject({ port: 0, appId: APP.appId, appSecret: 'dev-only-wechat-app-secret-for-the-mock' });
    expect(mockProcessConfig([], { WECHAT_MOCK_PORT: '4001' }).port).toBe(4001);
    expect(() => mockProcessConfig(['--port', 'x'], {})).toThrow(/--port/);
  });
});
