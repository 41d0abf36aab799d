/**
 * Who the client is, behind proxies: TRUST_PROXY names the proxies (a hop count, or their
 * addresses/CIDRs), and the client is the right-most address they did not write. A client that
 * writes its own X-Forwarded-For can neither dodge the per-IP sign-in limit nor lock someone
 * else out. The sign-in limit is the observable here: 2 per minute per client address.
 */
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { buildTestApp } from './support/app';
import type { TrpcErrorBody } from './support/bodies';

const APP = { appId: 'wx00112233445566ee', appSecret: 'proxy-test-secret-0123456789abcdef' };
const PROXY = '10.9.8.7';

let mock: RunningWeChatMock;
let db: Kysely<Database>;
let app: FastifyInstance;

beforeAll(async () => {
  mock = await startWeChatMock(APP);
});
afterAll(() => mock.close());
afterEach(async () => {
  await app.close();
  await db.destroy();
});

async function start(trustProxy: string) {
  db = createDatabase({ url: 'sqlite::memory:' });
  await migrateToLatest(db);
  ({ app } = await buildTestApp(
    {
      WECHAT_API_BASE_URL: mock.url,
      WECHAT_APP_ID: APP.appId,
      WECHAT_APP_SECRET: APP.appSecret,
      TRUST_PROXY: trustProxy,
      RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '2',
    },
    { db },
  ));
}

/** A sign-in arriving from `remoteAddress` with this X-Forwarded-For; its app code, or 'ok'. */
async function signIn(remoteAddress: string, forwardedFor?: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/trpc/auth.login',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) },
    payload: JSON.stringify(superjson.serialize({ code: mock.world.issueLoginCode(`user-${Math.random()}`) })),
  });
  return response.statusCode === 200 ? 'ok' : response.json<TrpcErrorBody>().error.json.data.appCode;
}

describe.each([
  ['a hop count', '1'],
  ["the proxy's address", PROXY],
  ["the proxy's network", '10.0.0.0/8'],
])('behind one trusted proxy, named by %s', (_name, trustProxy) => {
  it('counts a client by the address its proxy saw, whatever the client wrote before it', async () => {
    await start(trustProxy);
    // The proxy appends the address it saw (198.51.100.7); the client forges the left-most ones.
    const outcomes = [];
    for (let i = 0; i < 4; i += 1) outcomes.push(await signIn(PROXY, `10.2.${i}.1, 198.51.100.7`));
    expect(outcomes).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('cannot be made to lock out an address a client names', async () => {
    await start(trustProxy);
    for (let i = 0; i < 3; i += 1) await signIn(PROXY, `203.0.113.50, 198.51.100.${10 + i}`);
    // 203.0.113.50's own sign-in through the proxy is not limited by the forgeries.
    expect(await signIn(PROXY, '203.0.113.50')).toBe('ok');
  });
});

describe('without TRUST_PROXY', () => {
  it('ignores X-Forwarded-For: the client is the connection', async () => {
    await start('false');
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(await signIn('192.0.2.1', `10.2.${i}.1`));
    expect(outcomes).toEqual(['ok', 'ok', 'RATE_LIMITED']);
  });
});

describe('the TRUST_PROXY setting', () => {
  const parse = (value: string) => loadConfig({ TRUST_PROXY: value }).trustProxy;

  it('takes a hop count, addresses and CIDRs, or false', () => {
    expect(parse('2')).toBe(2);
    expect(parse('10.0.0.0/8, 127.0.0.1 ,::1')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    expect(parse('false')).toBe(false);
  });

  it.each(['true', 'yes', '*', 'proxy.example.com'])('refuses %s, saying why', (value) => {
    expect(() => parse(value)).toThrow(/TRUST_PROXY/);
  });
});
