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
});
