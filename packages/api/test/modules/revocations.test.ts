/**
 * Revocations when the view of them fails: the database is the record, Redis (or memory) a view
 * that can be lost, and a lost or stale view must never turn a revoked token back into a valid one.
 * Real MariaDB, real Redis; an outage is a client of a port where nothing listens.
 */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRevocationStore, RedisRevocationStore, type RevocationRecord } from '../../src/modules/auth/revocations';
import { OutageLog } from '../../src/outage-log';
import { AppError } from '../../src/errors';
import { createTestRedis } from '../support/redis';

/** The record, as a set the test controls, with a switch to make it fail like a database outage. */
function testRecord() {
  const revoked = new Set<string>();
  let down = false;
  const check = () => {
    if (down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
  };
  const record: RevocationRecord = {
    isRevoked: (id) => Promise.resolve().then(() => (check(), revoked.has(id))),
    revokedWithin: () => Promise.resolve().then(() => (check(), [...revoked])),
  };
  return { record, revoked, setDown: (value: boolean) => void (down = value) };
}

const quiet = () => new OutageLog(pino({ level: 'silent' }), 'redis');
/** An outage: a port where nothing listens. */
const NOTHING_LISTENS = 'redis://127.0.0.1:1';

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the Redis view of revocations', () => {
  const opened: Array<ReturnType<typeof createTestRedis>> = [];
  /** A client set up as the server's (no offline queue, no retries, a short command timeout). */
  const client = (url?: string) => {
    const test = createTestRedis({ enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 300, ...(url ? { url } : {}) });
    test.redis.on('error', () => undefined); // the outages are the point here; the stores report them
    opened.push(test);
    return test.redis;
  };
  afterAll(() => Promise.all(opened.map((test) => test.close())));

  it('asks the record until it has been rebuilt from it, then answers from Redis', async () => {
    const { record, revoked } = testRecord();
    revoked.add('before-start');
    const redis = client();
    const store = new RedisRevocationStore(redis, record, 60, quiet());
    expect(await store.isRevoked('before-start')).toBe(true); // from the record, or from the rebuilt view
    await until(() => store.trusted);
    expect(await redis.exists(RedisRevocationStore.keyOf('before-start'))).toBe(1);
    revoked.delete('before-start'); // the record changes without the view knowing: the view answers now
    expect(await store.isRevoked('before-start')).toBe(true);
    store.close();
  });

  it('takes a logout while Redis is down without failing, and still refuses the token', async () => {
    const { record, revoked } = testRecord();
    const down = client(NOTHING_LISTENS);
    const store = new RedisRevocationStore(down, record, 60, quiet());
    revoked.add('logged-out'); // the database first, as auth.service does
    const started = performance.now();
    await store.revoke('logged-out'); // no throw, no long wait
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await store.isRevoked('logged-out')).toBe(true);
    expect(await store.isRevoked('still-live')).toBe(false);
    store.close();
  });

  it('does not forget a revocation when Redis loses its keys (a restart without persistence)', async () => {
    const { record, revoked } = testRecord();
    const redis = client();
    const store = new RedisRevocationStore(redis, record, 60, quiet());
    await until(() => store.trusted);
    revoked.add('revoked');
    await store.revoke('revoked');
    expect(await redis.exists(RedisRevocationStore.keyOf('revoked'))).toBe(1);

    // The restart: the keys are gone, and every client reconnects.
    await redis.del(RedisRevocationStore.keyOf('revoked'));
    redis.disconnect(true);
    await until(() => redis.status !== 'ready');
    expect(store.trusted).toBe(false);
    expect(await store.isRevoked('revoked')).toBe(true); // during the outage and the rebuild: the record
    await until(() => store.trusted);
    expect(await redis.exists(RedisRevocationStore.keyOf('revoked'))).toBe(1); // rebuilt from the record
    expect(await store.isRevoked('revoked')).toBe(true);
    store.close();
  });

  it('brings in a revocation that the instance which took it could not write to Redis', async () => {
    const { record, revoked } = testRecord();
    // Two instances: one cut off from Redis, the other reaching it and trusting its view.
    const cutOff = new RedisRevocationStore(client(NOTHING_LISTENS), record, 60, quiet());
    const redis = client();
    const other = new RedisRevocationStore(redis, record, 60, quiet(), { catchUpMs: 50 });
    await until(() => other.trusted);

    revoked.add('logged-out-elsewhere'); // the database first, as auth.service does
    await cutOff.revoke('logged-out-elsewhere'); // its Redis write fails: only the record has it
    await until(() => other.isRevoked('logged-out-elsewhere'));
    expect(other.trusted).toBe(true); // answered by the view, which the catch-up completed
    expect(await redis.exists(RedisRevocationStore.keyOf('logged-out-elsewhere'))).toBe(1);
    expect(await redis.ttl(RedisRevocationStore.keyOf('logged-out-elsewhere'))).toBeGreaterThan(50);
    cutOff.close();
    other.close();
  });

  it('catches up on what the record gained since its last catch-up, however long the record was down', async () => {
    const { record, setDown } = testRecord();
    const windows: number[] = [];
    const counted: RevocationRecord = { ...record, revokedWithin: (seconds) => (windows.push(seconds), record.revokedWithin(seconds)) };
    const store = new RedisRevocationStore(client(), counted, 3_600, quiet(), { catchUpMs: 50 });
    await until(() => store.trusted);
    expect(windows).toContain(3_600); // the rebuild reads the whole revocation window
    const trustedAt = windows.length;
    // Checks start the catch-ups (one per interval at most).
    const checked = (reads: number) => async () => (await store.isRevoked('any'), windows.length >= reads);
    await until(checked(trustedAt + 3));
    // A catch-up reads since the last one, with a minute's overlap for the clocks: not the hour.
    expect(Math.max(...windows.slice(trustedAt))).toBeLessThanOrEqual(65);

    setDown(true);
    const downFrom = windows.length;
    await until(checked(downFrom + 1)); // a catch-up that fails
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    setDown(false);
    const upFrom = windows.length;
    await until(checked(upFrom + 2));
    expect(windows[upFrom]).toBeGreaterThanOrEqual(62); // back to before the outage began, and more
    expect(store.trusted).toBe(true); // the database's outage is not the view's
    store.close();
  });

  it('fails closed, with a coded 503, when neither Redis nor the database answers', async () => {
    const { record, setDown } = testRecord();
    const store = new RedisRevocationStore(client(NOTHING_LISTENS), record, 60, quiet());
    setDown(true);
    const error = await store.isRevoked('any').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).appCode).toBe('SERVICE_UNAVAILABLE');
    store.close();
  });

  it('logs an outage once, however many checks it fails', async () => {
    const lines: Array<{ msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const { record } = testRecord();
    const store = new RedisRevocationStore(client(NOTHING_LISTENS), record, 60, new OutageLog(logger, 'redis'), { retryMs: 50 });
    for (let i = 0; i < 20; i += 1) await store.revoke(`s${i}`);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a few rebuild attempts too
    expect(lines.filter((line) => line.msg === 'redis unavailable')).toHaveLength(1);
    store.close();
  });

  it("does not log the database's failure as Redis's, and rebuilds once the database answers", async () => {
    const lines: Array<{ msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const { record, setDown } = testRecord();
    setDown(true);
    const store = new RedisRevocationStore(client(), record, 60, new OutageLog(logger, 'redis'), { retryMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 200)); // a few rebuild attempts
    expect(store.trusted).toBe(false);
    setDown(false);
    await until(() => store.trusted);
    expect(lines.filter((line) => line.msg === 'redis unavailable')).toEqual([]);
    store.close();
  });

  it('stops rebuilding once its client is closed for good (shutdown), and reports no outage', async () => {
    const lines: Array<{ msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const { record } = testRecord();
    let reads = 0;
    const counted: RevocationRecord = { ...record, revokedWithin: (seconds) => ((reads += 1), record.revokedWithin(seconds)) };
    const redis = client();
    const store = new RedisRevocationStore(redis, counted, 60, new OutageLog(logger, 'redis'), { retryMs: 50 });
    await until(() => store.trusted);
    const readsBefore = reads;

    await redis.quit();
    await new Promise((resolve) => setTimeout(resolve, 300)); // six retry periods
    expect(store.trusted).toBe(false); // checks go to the record from now on
    expect(reads).toBe(readsBefore);
    expect(lines.filter((line) => line.msg === 'redis unavailable')).toEqual([]);
  });
});

describe('the memory view of revocations (one instance, no Redis)', () => {
  it('asks the record until it has been filled, so a restart forgets nothing', async () => {
    const { record, revoked } = testRecord();
    revoked.add('before-restart');
    const store = new MemoryRevocationStore(record, 60);
    expect(await store.isRevoked('before-restart')).toBe(true);
    await until(async () => {
      revoked.delete('before-restart'); // once filled, memory answers without the record
      return store.isRevoked('before-restart');
    });
  });

  it("learns of other instances' revocations from the record, within twice the interval", async () => {
    const { record, revoked } = testRecord();
    const one = new MemoryRevocationStore(record, 60);
    const other = new MemoryRevocationStore(record, 60, Date.now, 50);
    await until(async () => (await other.isRevoked('warm-up'), true)); // filled (or the record answers)
    await new Promise((resolve) => setTimeout(resolve, 20));

    revoked.add('logged-out-on-one'); // the database first, as auth.service does
    await one.revoke('logged-out-on-one');
    const revokedAt = performance.now();
    await until(() => other.isRevoked('logged-out-on-one'));
    expect(performance.now() - revokedAt).toBeLessThan(1_000);
    // From memory now: the record no longer says so, the view does.
    revoked.delete('logged-out-on-one');
    expect(await other.isRevoked('logged-out-on-one')).toBe(true);
  });

  it('does not trust a view older than twice the interval (a serverless instance thawed after a while)', async () => {
    const { record, revoked } = testRecord();
    let reads = 0;
    let catchUps: Array<() => void> | null = null;
    // Catch-ups that hang while the test holds them: only the record itself can answer then.
    const held: RevocationRecord = {
      ...record,
      revokedWithin: (seconds) =>
        catchUps === null
          ? record.revokedWithin(seconds).then((ids) => ((reads += 1), ids))
          : new Promise<string[]>((resolve) => catchUps?.push(() => void record.revokedWithin(seconds).then(resolve))),
    };
    const store = new MemoryRevocationStore(held, 60, Date.now, 100);
    expect(await store.isRevoked('filled')).toBe(false);
    await until(() => reads === 1);

    catchUps = [];
    revoked.add('revoked-while-frozen');
    await new Promise((resolve) => setTimeout(resolve, 250)); // frozen: no check, no catch-up
    expect(await store.isRevoked('revoked-while-frozen')).toBe(true); // the record's answer
    expect(catchUps).toHaveLength(1); // and a catch-up begun, still held
    for (const release of catchUps) release();
  });

  it('fails closed while neither is available', async () => {
    const { record, setDown } = testRecord();
    setDown(true);
    const store = new MemoryRevocationStore(record, 60);
    await expect(store.isRevoked('any')).rejects.toMatchObject({ appCode: 'SERVICE_UNAVAILABLE' });
  });
});
