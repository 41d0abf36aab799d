/**
 * Revocations when the view of them fails: the database is the record, Redis (or memory) a view
 * that can be lost, and a lost or stale view must never turn a revoked token back into a valid one.
 * Real MariaDB, real Redis; an outage is a client of a port where nothing listens.
 */
import { TEST_REDIS_URL } from '@app/test-support';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRevocationStore, RedisRevocationStore, type RevocationRecord } from '../../src/modules/auth/revocations';
import { OutageLog } from '../../src/outage-log';
import { AppError } from '../../src/errors';

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
const prefix = () => `test:${Math.random().toString(36).slice(2)}:`;
const redisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 300 } as const;

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the Redis view of revocations', () => {
  const clients: Redis[] = [];
  const client = (url = TEST_REDIS_URL) => {
    const redis = new Redis(url, { ...redisOptions, keyPrefix: prefix() });
    redis.on('error', () => undefined); // the outages are the point here; the stores report them
    clients.push(redis);
    return redis;
  };
  afterAll(() => clients.forEach((redis) => redis.disconnect()));

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
    const down = client('redis://127.0.0.1:1');
    const store = new RedisRevocationStore(down, record, 60, quiet());
    revoked.add('logged-out'); // the database first, as auth.service does
    const started = performance.now();
    await store.revoke('logged-out', 60); // no throw, no long wait
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
    await store.revoke('revoked', 60);
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

  it('fails closed, with a coded 503, when neither Redis nor the database answers', async () => {
    const { record, setDown } = testRecord();
    const store = new RedisRevocationStore(client('redis://127.0.0.1:1'), record, 60, quiet());
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
    const store = new RedisRevocationStore(client('redis://127.0.0.1:1'), record, 60, new OutageLog(logger, 'redis'), 50);
    for (let i = 0; i < 20; i += 1) await store.revoke(`s${i}`, 60);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a few rebuild attempts too
    expect(lines.filter((line) => line.msg === 'redis unavailable')).toHaveLength(1);
    store.close();
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

  it('fails closed while neither is available', async () => {
    const { record, setDown } = testRecord();
    setDown(true);
    const store = new MemoryRevocationStore(record, 60);
    await expect(store.isRevoked('any')).rejects.toMatchObject({ appCode: 'SERVICE_UNAVAILABLE' });
  });
});
