/**
 * PREWARM_ON_START: the connections the first request would otherwise open, opened before the
 * server listens. On a serverless platform (SCF web functions) the time until the port listens
 * is the instance's init phase; the first request's own time is a user waiting. Neither
 * connection is required to start: a failure is logged and the first request retries, as it
 * would without prewarming.
 */
import type { Services } from '@app/api';
import { pingDatabase } from '@app/api/db';

type Outcome = { ok: true; ms: number } | { ok: false; ms: number; error: string };

async function timed(work: () => Promise<unknown>): Promise<Outcome> {
  const started = performance.now();
  try {
    await work();
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

export async function prewarm(services: Pick<Services, 'db' | 'wechat' | 'logger'>): Promise<void> {
  const [database, wechatToken] = await Promise.all([
    timed(async () => {
      if (!(await pingDatabase(services.db, 5_000))) throw new Error('the database did not answer within 5 s');
    }),
    timed(() => services.wechat.getAccessToken()),
  ]);
  const level = database.ok && wechatToken.ok ? 'info' : 'warn';
  services.logger[level]({ database, wechatToken }, 'prewarmed the database pool and the WeChat access token');
}
