/**
 * Two instances of the server sharing Redis (and the database), as behind a load balancer: the
 * sign-in limit counts across both, a logout on one ends the session on the other at once, and
 * WeChat's access token is fetched once for both.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { report } from './support/load';
import { waitUntil } from '@app/test-support';
import type { ServerProcess } from './support/server-process';
import { call, signIn, startStack, type Stack } from './support/stack';

const LIMIT = 6;
let stack: Stack;
let one: ServerProcess;
let other: ServerProcess;

beforeAll(async () => {
  stack = await startStack({ redis: true });
  const env = { RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: String(LIMIT) };
  [one, other] = await Promise.all([stack.server(env), stack.server(env)]);
});
afterAll(() => stack.close());

it('shares the sign-in limit, logouts and the WeChat access token', async () => {
  // The limit: sign-ins from one address, alternating between the instances.
  const outcomes: string[] = [];
  for (let i = 0; i < LIMIT + 4; i += 1) {
    const server = i % 2 === 0 ? one : other;
    outcomes.push((await call(server, 'auth.login', { input: { code: stack.mock.world.issueLoginCode(`limited-${i}`) } })).code);
  }
  expect(outcomes.filter((code) => code === 'ok')).toHaveLength(LIMIT);
  expect(outcomes.slice(LIMIT)).toEqual(Array(4).fill('RATE_LIMITED'));
  await stack.redis?.stop(); // a clean slate for the limit: a fresh Redis
  await stack.redis?.start();
  // Both instances back on the fresh Redis (/readyz pings it through each one's own client), so they
  // share it again: the access token below included.
  await Promise.all(
    [one, other].map((server) =>
      waitUntil(
        `${server.url} on Redis again`,
        async () => ((await (await fetch(`${server.url}/readyz`)).json()) as { redis?: string }).redis === 'up',
      ),
    ),
  );

  // A logout on one instance ends the session on the other.
  const session = await signIn(one, stack.mock, 'shared-session');
  expect((await call(other, 'user.me', { token: session.accessToken })).code).toBe('ok');
  expect((await call(one, 'auth.logout', { token: session.accessToken, mutation: true })).code).toBe('ok');
  expect((await call(other, 'user.me', { token: session.accessToken })).code).toBe('AUTH_SESSION_REVOKED');

  // The access token: phone bindings on both instances, one stable_token call between them.
  const before = stack.mock.world.stats.stableToken;
  for (const [i, server] of [one, other, one, other].entries()) {
    const user = await signIn(server, stack.mock, `phone-${i}`);
    const bound = await call(server, 'user.bindPhone', {
      token: user.accessToken,
      input: { code: stack.mock.world.issuePhoneCode('13800138000') },
    });
    expect(bound.code).toBe('ok');
  }
  const tokenFetches = stack.mock.world.stats.stableToken - before;
  expect(tokenFetches).toBe(1);

  report('two instances sharing Redis', {
    signInsFromOneAddress: outcomes.length,
    allowed: outcomes.filter((code) => code === 'ok').length,
    limit: LIMIT,
    logoutSeenByTheOtherInstance: true,
    phoneBindings: 4,
    accessTokenFetches: tokenFetches,
  });
});
