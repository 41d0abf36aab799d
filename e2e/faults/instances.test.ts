/**
 * Two instances of the server sharing Redis (and the database), as behind a load balancer: the
 * sign-in limit counts across both, a logout on one ends the session on the other at once, and
 * WeChat's access token is fetched once for both. A logout on an instance cut off from Redis, or
 * on one of two instances without Redis, reaches the others through the database, within their
 * catch-up interval (twice it without Redis).
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { REVOCATION_CATCH_UP_MS } from '@app/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { report } from './support/load';
import { waitUntil } from '@app/test-support';
import type { ServerProcess } from './support/server-process';
import { call, redisStateOf, signIn, startStack, type Stack } from './support/stack';

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
    [one, other].map((server) => waitUntil(`${server.url} on Redis again`, async () => (await redisStateOf(server)) === 'up')),
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

/** A TCP relay to Redis that can be cut: the instance behind it loses Redis, the others do not. */
async function cuttableRelay(target: URL): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        relay.close(() => resolve()); // no new connections: its reconnects are refused
        for (const socket of sockets) socket.destroy();
      }),
  };
}

it('refuses, on the other instances, a session logged out on one that had lost Redis', async () => {
  if (!stack.redis) throw new Error('this scenario needs Redis');
  const relay = await cuttableRelay(new URL(stack.redis.url));
  const cutOff = await stack.server({ REDIS_URL: relay.url });
  const session = await signIn(cutOff, stack.mock, 'logged-out-while-cut-off');
  expect((await call(other, 'user.me', { token: session.accessToken })).code).toBe('ok');

  await relay.cut();
  await waitUntil('the cut-off instance to see Redis down', async () => (await redisStateOf(cutOff)) === 'down');
  // The logout: written to the database, its Redis write fails; the instance itself asks the database.
  expect((await call(cutOff, 'auth.logout', { token: session.accessToken, mutation: true })).code).toBe('ok');
  const loggedOutAt = Date.now();
  expect((await call(cutOff, 'user.me', { token: session.accessToken })).code).toBe('AUTH_SESSION_REVOKED');
  // The others trust Redis, which does not have it: until their catch-up copies it from the database.
  await waitUntil(
    'the other instance to refuse the logged-out session',
    async () => (await call(other, 'user.me', { token: session.accessToken })).code === 'AUTH_SESSION_REVOKED',
    undefined,
    REVOCATION_CATCH_UP_MS + 5_000,
    100,
  );
  const seenAfterMs = Date.now() - loggedOutAt;
  expect((await call(one, 'user.me', { token: session.accessToken })).code).toBe('AUTH_SESSION_REVOKED');
  report('a logout on an instance cut off from Redis', { seenByTheOthersAfterMs: seenAfterMs, catchUpIntervalMs: REVOCATION_CATCH_UP_MS });
});

it('refuses, on an instance without Redis, a session logged out on another without Redis', async () => {
  // An empty variable is an unset one: these two keep their revocations in memory.
  const [first, second] = await Promise.all([stack.server({ REDIS_URL: '' }), stack.server({ REDIS_URL: '' })]);
  const session = await signIn(first, stack.mock, 'logged-out-without-redis');
  expect((await call(second, 'user.me', { token: session.accessToken })).code).toBe('ok');
  expect((await call(first, 'auth.logout', { token: session.accessToken, mutation: true })).code).toBe('ok');
  const loggedOutAt = Date.now();
  await waitUntil(
    'the other instance to refuse the logged-out session',
    async () => (await call(second, 'user.me', { token: session.accessToken })).code === 'AUTH_SESSION_REVOKED',
    undefined,
    2 * REVOCATION_CATCH_UP_MS + 5_000,
    100,
  );
  report('a logout on one of two instances without Redis', {
    seenByTheOtherAfterMs: Date.now() - loggedOutAt,
    catchUpIntervalMs: REVOCATION_CATCH_UP_MS,
  });
});
