import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Periodic, REPEATED_FAILURE_REPORT_MS, type PeriodicReport } from '../src/periodic';

const silent: PeriodicReport = { failed: () => undefined, recovered: () => undefined };

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
      { failed: (error) => errors.push(error), recovered: () => undefined },
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
    const periodic = new Periodic(async (signal) => {
      while (!signal.aborted && steps < 1_000) {
        steps += 1;
        await sleep(5);
      }
    }, silent);
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
    const periodic = new Periodic(() => Promise.resolve(at.push(performance.now() - started)), silent);
    periodic.start(200, 20);
    await sleep(150);
    expect(at).toHaveLength(1); // at 20 ms, not at 200
    await periodic.stop();
    const never = new Periodic(() => Promise.resolve(at.push(-1)), silent);
    never.start(10, 50);
    await never.stop();
    await sleep(80);
    expect(at).toHaveLength(1);
  });

  describe('failures in a row', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('reports the first, the same one again once a minute, a different one at once, and the recovery', async () => {
      vi.useFakeTimers();
      const reports: string[] = [];
      // One run a second: the same failure is reported again at the first run a minute after it was.
      const runsPerReport = REPEATED_FAILURE_REPORT_MS / 1_000;
      // Each run's outcome, in order: an error's message, or null for a run that succeeds.
      const script = [
        ...Array<string>(runsPerReport + 10).fill('no such table: jobs'),
        'connect ECONNREFUSED',
        null,
        'no such table: jobs',
        null,
        null,
      ];
      let runs = 0;
      const periodic = new Periodic(
        () => {
          const outcome = script[runs++];
          return outcome ? Promise.reject(new Error(outcome)) : Promise.resolve();
        },
        {
          failed: (error, failedRuns) => reports.push(`failed ${failedRuns}: ${(error as Error).message}`),
          recovered: (failedRuns) => reports.push(`recovered after ${failedRuns}`),
        },
      );
      periodic.start(1_000);
      await vi.advanceTimersByTimeAsync(script.length * 1_000);
      await periodic.stop();
      expect(runs).toBe(script.length);
      expect(reports).toEqual([
        'failed 1: no such table: jobs',
        `failed ${runsPerReport + 1}: no such table: jobs`,
        `failed ${runsPerReport + 11}: connect ECONNREFUSED`,
        `recovered after ${runsPerReport + 11}`,
        'failed 1: no such table: jobs',
        'recovered after 1',
      ]);
    });
  });
});
