/**
 * The WeChat access token while Redis is out: this instance keeps its own, and calls that need a
 * token keep working; when Redis answers, the token is shared again.
 */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisAccessTokenStore } from '../../src/wechat/access-token';
import { FallbackAccessTokenStore } from '../../src/wechat/fallback-token-store';
import { OutageLog } from '../../src/outage-log';
import { createDownRedis, createTestRedis } from '../support/redis';

const token = (name: string) => ({ token: name, expiresAt: Date.now() + 60_000 });

describe('the access token store with a fallback', () => {
  const down = createDownRedis();
  const shared = createTestRedis();
  afterAll(async () => {
    await down.close();
    await shared.close();
  });

  it('keeps the token in this process while Redis is out, and lets this instance fetch', async () => {
    const outage = new OutageLog(pino({ level: 'silent' }), 'redis');
    const store = new FallbackAccessTokenStore(new RedisAccessTokenStore(down.redis, 'wx00000000000000aa'), outage);
    expect(await store.read()).toBeNull();
    const release = await store.tryLock();
    expect(release).not.toBeNull();
    const local = token('local');
    await store.write(local);
    expect(await store.read()).toEqual(local);
    expect(outage.down).toBe(true);
  });

  it('lets the fetch that holds the lock end well when Redis fails before the release', async () => {
    const outage = new OutageLog(pino({ level: 'silent' }), 'redis');
    const lost = createTestRedis({ enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    try {
      if (lost.redis.status !== 'ready') await new Promise((resolve) => lost.redis.once('ready', resolve));
      const store = new FallbackAccessTokenStore(new RedisAccessTokenStore(lost.redis, 'wx00000000000000cc'), outage);
      const release = await store.tryLock();
      expect(release).not.toBeNull();
      expect(outage.down).toBe(false); // the lock is Redis's
      lost.redis.disconnect();
      await expect(release?.()).resolves.toBeUndefined();
      expect(outage.down).toBe(true);
    } finally {
      await lost.close();
    }
  });

  it('shares the token through Redis when it answers', async () => {
    const outage = new OutageLog(pino({ level: 'silent' }), 'redis');
    const one = new FallbackAccessTokenStore(new RedisAccessTokenStore(shared.redis, 'wx00000000000000bb'), outage);
    const other = new FallbackAccessTokenStore(new RedisAccessTokenStore(shared.redis, 'wx00000000000000bb'), outage);
    await one.write(token('shared'));
    expect((await other.read())?.token).toBe('shared');
    expect(outage.down).toBe(false);
  });
});
