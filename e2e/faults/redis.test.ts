/**
 * Redis killed under load, then restarted empty (no persistence, as in production), then hung
 * (SIGSTOP: connected, silent): answers stay fast (p99 under a second) and coded, no logged-out
 * token is accepted during or after either outage, and the server resumes by itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countBy, Load, percentile, report, type Answer } from './support/load';
import type { ServerProcess } from './support/server-process';
import { call, redisStateOf, signIn, startStack, type SignedIn, type Stack } from './support/stack';

let stack: Stack;
let server: ServerProcess;

beforeAll(async () => {
  stack = await startStack({ redis: true });
  server = await stack.server({ RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '1000000', RATE_LIMIT_MUTATIONS_PER_USER_PER_MINUTE: '1000000' });
});
afterAll(() => stack.close());

it('never accepts a logged-out token, and stays fast and coded, through a Redis crash, an empty restart and a hang', async () => {
  const sessions: SignedIn[] = [];
  for (let i = 0; i < 60; i += 1) sessions.push(await signIn(server, stack.mock, `reader-${i}`));
  /** When each logout was acknowledged (ms into the load): from then on its token must be refused. */
  const loggedOutAt = new Map<string, number>();
  const accepted: string[] = [];
  /** When a logged-out token was presented and refused (ms into the load): what makes `accepted` mean something. */
  const refusedAt: number[] = [];
  let started = 0;
  let logouts = 0;

  const load = new Load(6, async (worker, sequence): Promise<Answer> => {
    // Worker 0 logs a session out every 200 ms (before, during and after the outage); the others
    // read with random sessions.
    if (worker === 0 && performance.now() - started > logouts * 200 && logouts < sessions.length) {
      const session = sessions[logouts];
      logouts += 1;
      if (!session) return { status: 0, code: 'none' };
      const answer = await call(server, 'auth.logout', { token: session.accessToken, mutation: true });
      if (answer.code === 'ok') loggedOutAt.set(session.accessToken, performance.now() - started);
      return { ...answer, tag: 'logout' };
    }
    if (worker === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const session = sessions[(worker * 7919 + sequence) % sessions.length];
    if (!session) return { status: 0, code: 'none' };
    const requestedAt = performance.now() - started;
    const answer = await call(server, 'user.me', { token: session.accessToken });
    const logoutAt = loggedOutAt.get(session.accessToken);
    if (logoutAt !== undefined && logoutAt < requestedAt) {
      if (answer.code === 'ok') accepted.push(session.accessToken);
      else refusedAt.push(requestedAt);
    }
    return { ...answer, tag: 'user.me' };
  });
  started = performance.now();

  await sleep(1_500);
  const killedAt = load.elapsedMs;
  if (!stack.redis) throw new Error('the stack has no Redis');
  await stack.redis.kill();
  await sleep(3_000);
  const redisDuringOutage = await redisStateOf(server);
  await stack.redis.start(); // empty: every revocation key is gone
  const restartedAt = load.elapsedMs;
  await sleep(2_500);
  const hungAt = load.elapsedMs;
  stack.redis.pause(true);
  await sleep(2_500);
  stack.redis.pause(false);
  const resumedAt = load.elapsedMs;
  await sleep(3_000);
  const outcomes = await load.stop();

  expect(accepted).toEqual([]); // not once, during or after
  // Logged-out tokens were presented, and refused, while Redis was down, after its empty restart, and while it hung.
  for (const [phase, from, to] of [
    ['down', killedAt, restartedAt],
    ['restarted empty', restartedAt, hungAt],
    ['hung', hungAt, resumedAt],
  ] as const) {
    expect(
      refusedAt.some((at) => at > from && at < to),
      `a logged-out token presented while Redis was ${phase}`,
    ).toBe(true);
  }
  // A logged-out session stays out after the restart too.
  const out = sessions.filter((session) => loggedOutAt.has(session.accessToken));
  expect(out.length).toBeGreaterThan(5);
  for (const session of out) expect((await call(server, 'user.me', { token: session.accessToken })).code).toBe('AUTH_SESSION_REVOKED');

  const byKind = countBy(outcomes, (outcome) => `${outcome.tag} ${outcome.status} ${outcome.code}`);
  const unexpected = Object.keys(byKind).filter(
    (kind) => !/^(user\.me 200 ok|user\.me 401 AUTH_SESSION_REVOKED|logout 200 ok)$/.test(kind),
  );
  expect(unexpected).toEqual([]);
  const latencies = outcomes.map((outcome) => outcome.latencyMs);
  const p99 = percentile(latencies, 99);
  expect(p99).toBeLessThan(1_000);
  const duringOutage = outcomes.filter((outcome) => outcome.atMs > killedAt && outcome.atMs < restartedAt);
  const duringHang = outcomes.filter((outcome) => outcome.atMs > hungAt && outcome.atMs < resumedAt);
  expect(duringHang.length).toBeGreaterThan(0);
  expect(duringOutage.filter((outcome) => outcome.tag === 'logout').length).toBeGreaterThan(5);

  expect(redisDuringOutage).toBe('down');
  expect(await redisStateOf(server)).toBe('up');
  expect(server.logLines('redis unavailable').length).toBeGreaterThanOrEqual(1);
  expect(server.logLines('redis unavailable').length).toBeLessThanOrEqual(4);

  report('Redis killed, then restarted empty, under reads and logouts', {
    requests: outcomes.length,
    ...byKind,
    duringOutage: duringOutage.length,
    duringHang: duringHang.length,
    p99DuringHangMs: Math.round(
      percentile(
        duringHang.map((outcome) => outcome.latencyMs),
        99,
      ),
    ),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(p99),
    maxMs: Math.round(Math.max(...latencies)),
    logoutsAcknowledged: loggedOutAt.size,
    loggedOutTokensAccepted: accepted.length,
  });
});
