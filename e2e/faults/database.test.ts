/**
 * MariaDB killed (SIGKILL, as a crash) and restarted under a steady write load: the server recovers
 * without a restart, every failure in the outage is a coded 503 with Retry-After, the outage is
 * logged once, and every sign-in acknowledged with a 200 is in the database afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countBy, Load, report } from './support/load';
import type { ServerProcess } from './support/server-process';
import { call, sessionOf, startStack, type Stack } from './support/stack';

let stack: Stack;
let server: ServerProcess;

beforeAll(async () => {
  stack = await startStack();
  server = await stack.server({ RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '1000000' });
});
afterAll(() => stack.close());

it('keeps every acknowledged write through a crash of the database, and answers the outage with coded 503s', async () => {
  const acknowledged: string[] = [];
  // Each request is a first sign-in: a user and its session (holding the refresh token) written in one transaction.
  const load = new Load(6, async (worker, sequence) => {
    const answer = await call(server, 'auth.login', { input: { code: stack.mock.world.issueLoginCode(`writer-${worker}-${sequence}`) } });
    if (answer.code === 'ok') acknowledged.push(sessionOf(answer.data).sessionId);
    return answer;
  });

  await sleep(2_000);
  const killedAt = load.elapsedMs;
  await stack.db.kill();
  await sleep(500);
  // One answer of the outage, read whole: the coded 503 says when to come back.
  const inOutage = await fetch(`${server.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ json: { code: stack.mock.world.issueLoginCode('probe') } }),
  });
  expect(inOutage.status).toBe(503);
  expect(inOutage.headers.get('retry-after')).toBe('5');
  await sleep(2_500);
  const startingAt = load.elapsedMs;
  await stack.db.start();
  const restartedAt = load.elapsedMs;
  await sleep(4_000);
  const outcomes = await load.stop();

  // Every answer was a success or the coded 503; nothing else (no 500, no uncoded page, no hang).
  const byKind = countBy(outcomes, (outcome) => `${outcome.status} ${outcome.code}`);
  expect(Object.keys(byKind).filter((kind) => kind !== '200 ok' && kind !== '503 SERVICE_UNAVAILABLE')).toEqual([]);
  // Requests made while the database was certainly down (a request made as it came back may succeed).
  const during = outcomes.filter((outcome) => outcome.atMs > killedAt + 200 && outcome.atMs + outcome.latencyMs < startingAt);
  expect(during.length).toBeGreaterThan(0);
  expect(during.every((outcome) => outcome.code === 'SERVICE_UNAVAILABLE')).toBe(true);
  expect(Math.max(...during.map((outcome) => outcome.latencyMs))).toBeLessThan(6_000);

  // Back without a restart: the last two seconds all succeeded.
  const lastSeconds = outcomes.filter((outcome) => outcome.atMs > restartedAt + 2_000);
  expect(lastSeconds.length).toBeGreaterThan(0);
  expect(lastSeconds.every((outcome) => outcome.code === 'ok')).toBe(true);

  // Every acknowledged sign-in is in the database.
  const stored = new Set(
    (await stack.db.query<{ id: string }>('SELECT id FROM auth_sessions WHERE id IN (?)', [acknowledged])).map((row) => row.id),
  );
  const lost = acknowledged.filter((id) => !stored.has(id));
  expect(lost).toEqual([]);

  // The outage is one episode in the log, not a stack per failed request.
  expect(server.logLines('database unavailable').length).toBeGreaterThanOrEqual(1);
  expect(server.logLines('database unavailable').length).toBeLessThanOrEqual(2);
  expect(server.logLines('procedure failed')).toEqual([]);
  expect(server.logLines('database available again').length).toBeGreaterThanOrEqual(1);

  report('database killed and restarted under sign-ins', {
    requests: outcomes.length,
    ...byKind,
    acknowledgedWrites: acknowledged.length,
    lostWrites: lost.length,
    outageMs: Math.round(restartedAt - killedAt),
    maxLatencyInOutageMs: Math.round(Math.max(...during.map((outcome) => outcome.latencyMs))),
    logLinesForOutage: server.logLines('database unavailable').length,
  });
});
