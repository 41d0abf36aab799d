/**
 * SIGTERM under load: every request the server had begun answering is answered (0 failed in
 * flight), later ones get the coded 503 or find the port closed, and the process exits 0 within
 * its shutdown timeout. Sign-ins wait on a slowed WeChat, and the signal comes while a round of
 * them is known to be held there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '@app/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countBy, Load, report } from './support/load';
import type { ServerProcess } from './support/server-process';
import { call, startStack, type Stack } from './support/stack';

const SHUTDOWN_TIMEOUT_MS = 5_000;
const WORKERS = 8;
/** How long WeChat holds each sign-in (jscode2session). */
const WECHAT_LATENCY_MS = 300;
/** Begun this long before the signal counts as in flight (a request sent just before it may reach a closing server). */
const IN_FLIGHT_MARGIN_MS = 50;
/**
 * The signal comes this long after a sign-in reached WeChat: past the margin, so that sign-in
 * counts as begun before it, and well short of the latency, so WeChat still holds it.
 */
const SIGNAL_AFTER_ARRIVAL_MS = 100;
let stack: Stack;
let server: ServerProcess;

beforeAll(async () => {
  stack = await startStack();
  server = await stack.server({ RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '1000000', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
});
afterAll(() => stack.close());

/** How long mockReceived waits for the requests before it fails the test. */
const MOCK_RECEIVED_DEADLINE_MS = 10_000;

/**
 * Resolves once the mock has received `count` requests (it counts each as it arrives, before its
 * latency); throws if they have not all arrived within MOCK_RECEIVED_DEADLINE_MS.
 */
function mockReceived(count: number): Promise<void> {
  const probe = () => Promise.resolve(stack.mock.world.stats.requests >= count);
  return waitUntil(`the WeChat mock receiving ${count} requests`, probe, undefined, MOCK_RECEIVED_DEADLINE_MS, 2);
}

it('answers every request in flight at SIGTERM and exits 0 within its timeout', async () => {
  // Each sign-in holds its request open at WeChat for a while.
  stack.mock.world.setFaults({ latencyMs: WECHAT_LATENCY_MS });
  const load = new Load(WORKERS, (worker, sequence) =>
    call(server, 'auth.login', { input: { code: stack.mock.world.issueLoginCode(`leaver-${worker}-${sequence}`) } }),
  );
  // Warm-up: a first round through. Then a fresh round of sign-ins reaching WeChat: the signal
  // comes a moment after the last of them arrived, while WeChat holds it (and likely the others).
  await mockReceived(stack.mock.world.stats.requests + 2 * WORKERS);
  await mockReceived(stack.mock.world.stats.requests + WORKERS);
  await sleep(SIGNAL_AFTER_ARRIVAL_MS);
  const signalAt = load.elapsedMs;
  const signalledAt = server.signal('SIGTERM');
  const exit = await server.exited;
  await sleep(300);
  const outcomes = await load.stop();
  stack.mock.world.clearFaults();

  // Begun before the signal (by a margin: a request sent just before it may reach a closing
  // server): answered, and answered well.
  const inFlight = outcomes.filter((outcome) => outcome.atMs < signalAt - IN_FLIGHT_MARGIN_MS);
  const failedInFlight = inFlight.filter((outcome) => outcome.code !== 'ok');
  expect(failedInFlight).toEqual([]);
  // Some of them were still waiting on WeChat when the signal came: the check above had work to do.
  const heldAtSignal = inFlight.filter((outcome) => outcome.atMs + outcome.latencyMs > signalAt);
  expect(heldAtSignal.length).toBeGreaterThan(0);
  // After it: the coded 503 (Connection: close) or a closed port, nothing else.
  const after = outcomes.filter((outcome) => outcome.atMs >= signalAt - IN_FLIGHT_MARGIN_MS);
  const afterKinds = countBy(after, (outcome) => `${outcome.status} ${outcome.code}`);
  expect(Object.keys(afterKinds).filter((kind) => !['503 SERVICE_UNAVAILABLE', '0 no-answer', '200 ok'].includes(kind))).toEqual([]);

  expect(exit.code).toBe(0);
  const exitMs = exit.atMs - signalledAt;
  expect(exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  report('SIGTERM under sign-ins', {
    requests: outcomes.length,
    begunBeforeSignal: inFlight.length,
    inFlightAtSignal: heldAtSignal.length,
    failedInFlight: failedInFlight.length,
    afterSignal: afterKinds,
    exitCode: exit.code,
    exitMs: Math.round(exitMs),
  });
});
