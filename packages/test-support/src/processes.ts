/**
 * Waiting on processes a test starts: a free port to give one, and its readiness.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port nothing listens on at `host` right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Until `probe` says yes (a throw is a no), asked every `intervalMs`; fails at once when `child` exits meanwhile. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  child?: ChildProcess,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    const exit = child ? (child.exitCode ?? child.signalCode) : null;
    if (exit !== null) throw new Error(`${what} exited (${exit})`);
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
