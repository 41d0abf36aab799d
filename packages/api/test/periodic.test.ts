import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Periodic } from '../src/periodic';

describe('Periodic', () => {
  it('never runs twice at once, keeps going after a failure, and stop waits for the run in progress', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const errors: unknown[] = [];
    const periodic = new Periodic(
      async () => {
        runs += 1;
        active += 1;
        most = Math.max(most, active);
        await sleep(30); // longer than the interval
        active -= 1;
        finished += 1;
        if (runs === 1) throw new Error('first run fails');
      },
      (error) => errors.push(error),
    );
    periodic.start(5);
    await sleep(120);
    await periodic.stop();
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2); // the failure did not stop it
    expect(errors).toHaveLength(1);
    expect(finished).toBe(runs); // stop() returned only after the last run ended
    const after = runs;
    await sleep(30);
    expect(runs).toBe(after);
  });

  it('tells the run in progress of the stop, so that a long one ends after its current step', async () => {
    let steps = 0;
    const periodic = new Periodic(
      async (signal) => {
        while (!signal.aborted && steps < 1_000) {
          steps += 1;
          await sleep(5);
        }
      },
      () => undefined,
    );
    periodic.start(1_000, 1);
    await sleep(50);
    await periodic.stop();
    const stoppedAt = steps;
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(1_000);
    // Started again, the next run gets a signal that is not aborted.
    periodic.start(1_000, 1);
    await sleep(50);
    await periodic.stop();
    expect(steps).toBeGreaterThan(stoppedAt);
  });

  it('runs first after the delay it is given, then every interval; stopped before, it never runs', async () => {
    const at: number[] = [];
    const started = performance.now();
    const periodic = new Periodic(
      () => Promise.resolve(at.push(performance.now() - started)),
      () => undefined,
    );
    periodic.start(200, 20);
    await sleep(150);
    expect(at).toHaveLength(1); // at 20 ms, not at 200
    await periodic.stop();
    const never = new Periodic(
      () => Promise.resolve(at.push(-1)),
      () => undefined,
    );
    never.start(10, 50);
    await never.stop();
    await sleep(80);
    expect(at).toHaveLength(1);
  });
});
