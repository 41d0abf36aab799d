/**
 * WeChat down, slow, and flapping under a steady stream of sign-ins: each sign-in's wait stays
 * within its WeChat budget, the circuit breaker opens (failing fast, sparing WeChat) and closes
 * again by itself, and no user is told WECHAT_CODE_USED because of a retry of ours.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countBy, Load, percentile, report, type Outcome } from './support/load';
import type { ServerProcess } from './support/server-process';
import { call, startStack, type Stack } from './support/stack';

const TIMEOUT_MS = 300;
const BUDGET_MS = 1_000;
const HALF_OPEN_MS = 1_500;
let stack: Stack;
let server: ServerProcess;

beforeAll(async () => {
  stack = await startStack();
  server = await stack.server({
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '1000000',
    WECHAT_TIMEOUT_MS: String(TIMEOUT_MS),
    WECHAT_BUDGET_MS: String(BUDGET_MS),
    WECHAT_BREAKER_THRESHOLD: '5',
    WECHAT_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
  });
});
afterAll(() => stack.close());

it('bounds every sign-in by its budget, opens and recloses the breaker, and never blames the user for our retry', async () => {
  const world = stack.mock.world;
  const load = new Load(4, async (worker, sequence) =>
    call(server, 'auth.login', { input: { code: world.issueLoginCode(`signer-${worker}-${sequence}`) } }),
  );
  const loadStartedAt = Date.now() - load.elapsedMs;
  const phases: Record<string, [number, number]> = {};
  const phase = async (name: string, ms: number, faults: () => void) => {
    faults();
    const from = load.elapsedMs;
    await sleep(ms);
    phases[name] = [from, load.elapsedMs];
  };

  await phase('healthy', 1_000, () => world.clearFaults());
  const requestsBeforeDown = world.stats.requests;
  await phase('down', 2_500, () => world.setFaults({ down: true }));
  const requestsInDown = world.stats.requests - requestsBeforeDown;
  await phase('recovering', HALF_OPEN_MS + 1_500, () => world.clearFaults());
  await phase('slow', 2_500, () => world.setFaults({ latencyMs: TIMEOUT_MS * 2 }));
  await phase('recovering again', HALF_OPEN_MS + 1_500, () => world.clearFaults());
  const flapping = setInterval(() => world.setFaults({ down: !world.faults.down }), 400);
  await phase('flapping', 3_000, () => undefined);
  clearInterval(flapping);
  await phase('recovered', HALF_OPEN_MS + 2_000, () => world.clearFaults());
  const outcomes = await load.stop();

  // A phase's outcomes are the requests that began and ended in it: one still in flight when the
  // next phase changed WeChat's behaviour may have met the next phase's WeChat.
  const finishedBy = (outcome: Outcome, ms: number) => outcome.atMs + outcome.latencyMs <= ms;
  const inPhase = (name: string): Outcome[] => {
    const [from, to] = phases[name] ?? [0, 0];
    return outcomes.filter((outcome) => outcome.atMs >= from && finishedBy(outcome, to));
  };
  const latencies = outcomes.map((outcome) => outcome.latencyMs);

  // Every answer is a success or a WeChat outage's code; never "code used" for a retry of ours.
  const byCode = countBy(outcomes, (outcome) => outcome.code);
  expect(Object.keys(byCode).filter((code) => !['ok', 'WECHAT_UNAVAILABLE', 'WECHAT_TIMEOUT'].includes(code))).toEqual([]);
  // The budget bounds each sign-in's wait for WeChat (plus the sign-in's own few milliseconds).
  expect(Math.max(...latencies)).toBeLessThan(BUDGET_MS + 500);
  // Down: the breaker opens after a few failures, and the rest fail at once without reaching WeChat.
  const down = inPhase('down');
  expect(down.length).toBeGreaterThan(0);
  expect(down.every((outcome) => outcome.code === 'WECHAT_UNAVAILABLE')).toBe(true);
  expect(requestsInDown).toBeLessThan(down.length);
  expect(
    percentile(
      down.map((outcome) => outcome.latencyMs),
      50,
    ),
  ).toBeLessThan(50);
  // Slow: timeouts, told as such (the client signs in again with a new code).
  expect(inPhase('slow').some((outcome) => outcome.code === 'WECHAT_TIMEOUT')).toBe(true);
  // Each time WeChat came back, the breaker closed by itself: the end of each recovery is all successes.
  for (const name of ['recovering', 'recovering again', 'recovered']) {
    const [, to] = phases[name] ?? [0, 0];
    const tail = outcomes.filter((outcome) => outcome.atMs > to - 800 && finishedBy(outcome, to));
    expect(tail.length).toBeGreaterThan(0);
    const failures = tail.filter((outcome) => outcome.code !== 'ok');
    const breakerLog = server
      .logLines('WeChat API circuit breaker changed state')
      .map((line) => [Date.parse(String(line.time)) - loadStartedAt, line.breaker]);
    expect(failures, `${name} ended at ${Math.round(to)} ms; breaker: ${JSON.stringify(breakerLog)}`).toEqual([]);
  }
  expect(server.logLines('WeChat API circuit breaker changed state').length).toBeGreaterThanOrEqual(4);

  report('WeChat down, slow and flapping under sign-ins', {
    requests: outcomes.length,
    ...byCode,
    wechatCodeUsed: byCode.WECHAT_CODE_USED ?? 0,
    downPhase: { signIns: down.length, reachedWeChat: requestsInDown },
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxMs: Math.round(Math.max(...latencies)),
    budgetMs: BUDGET_MS,
    breakerTransitions: server.logLines('WeChat API circuit breaker changed state').length,
  });
});
