/**
 * The session retention sweeper on both databases: which sessions it deletes (those that ended,
 * by expiry or revocation, before the revocation window and a day's margin), that their rotated
 * refresh tokens go with them, that it works through a backlog batch by batch, and what a client
 * holding a deleted session's refresh token then gets.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../../src/context';
import { insertRotatedRefreshToken, insertSession } from '../../src/modules/auth/auth.repository';
import { hashRefreshToken } from '../../src/modules/auth/auth.service';
import { revocationTtlSeconds } from '../../src/modules/auth/revocations';
import { ENDED_SESSION_MARGIN_MS, SessionRetentionSweeper } from '../../src/modules/auth/session-retention';
import { insertUser } from '../../src/modules/user/user.repository';
import { createCaller } from '../../src/root';
import { appCodeOf } from '../support/errors';
import { dialects, type TestDatabase } from '../support/databases';
import { createTestServices, TEST_AUTH, testClock } from '../support/services';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const TOLERANCE = 30;
/** How long after its end a session is kept with TEST_AUTH's access-token TTL and a 30 s clock tolerance. */
const KEEP_MS = revocationTtlSeconds(TEST_AUTH.accessTokenTtlSeconds, TOLERANCE) * 1000 + ENDED_SESSION_MARGIN_MS;

describe.each(dialects)('session retention on %s', (_dialect, create) => {
  let testDb: TestDatabase;
  const clock = testClock(new Date('2026-12-01T12:00:00.000Z'));
  const ago = (ms: number) => new Date(clock.now().getTime() - ms);
  let userId: number;

  beforeAll(async () => {
    testDb = await create();
    userId = (await insertUser(testDb.db, { openid: 'retention-user', unionid: null }, clock.now())).id;
  });
  afterAll(() => testDb.destroy());

  /** A session with its current refresh token, and `rotated` tokens it rotated away; its id and current token. */
  async function seedSession(ends: { expiresAt: Date; revokedAt?: Date }, rotated = 0) {
    const id = randomUUID();
    const token = `current-${id}`;
    await insertSession(testDb.db, {
      id,
      user_id: userId,
      session_key_ciphertext: 'ciphertext',
      created_at: ago(60 * DAY),
      expires_at: ends.expiresAt,
      revoked_at: ends.revokedAt ?? null,
      revoked_reason: ends.revokedAt ? 'logout' : null,
      refresh_token_hash: hashRefreshToken(token),
      refresh_token_created_at: ago(DAY),
    });
    const rotatedTokens: string[] = [];
    for (let i = 0; i < rotated; i += 1) {
      const old = `rotated-${i}-${id}`;
      rotatedTokens.push(old);
      await insertRotatedRefreshToken(testDb.db, {
        session_id: id,
        token_hash: hashRefreshToken(old),
        created_at: ago(60 * DAY),
        expires_at: ends.expiresAt,
        rotated_at: ago(30 * DAY),
      });
    }
    return { id, token, rotatedTokens };
  }

  async function sessionIds(): Promise<string[]> {
    return (await testDb.db.selectFrom('auth_sessions').select('id').execute()).map((row) => row.id).sort();
  }

  async function rotatedSessionIds(): Promise<string[]> {
    const rows = await testDb.db.selectFrom('refresh_tokens').select('session_id').execute();
    return [...new Set(rows.map((row) => row.session_id))].sort();
  }

  async function clear() {
    await testDb.db.deleteFrom('refresh_tokens').execute();
    await testDb.db.deleteFrom('auth_sessions').execute();
  }

  const sweeper = (batchSize?: number) =>
    new SessionRetentionSweeper({
      db: testDb.db,
      clock,
      logger: pino({ level: 'silent' }),
      accessTokenTtlSeconds: TEST_AUTH.accessTokenTtlSeconds,
      clockToleranceSeconds: TOLERANCE,
      ...(batchSize === undefined ? {} : { batchSize }),
    });

  it('deletes the sessions that ended before the revocation window and a day, with their rotated tokens', async () => {
    await clear();
    const live = await seedSession({ expiresAt: new Date(clock.now().getTime() + 20 * DAY) }, 2);
    const expiredLongAgo = await seedSession({ expiresAt: ago(KEEP_MS + MINUTE) }, 3);
    const expiredRecently = await seedSession({ expiresAt: ago(KEEP_MS - MINUTE) }, 1);
    // Revoked long ago, though it would only expire in weeks: a logout ends a session too.
    const revokedLongAgo = await seedSession(
      { expiresAt: new Date(clock.now().getTime() + 20 * DAY), revokedAt: ago(KEEP_MS + MINUTE) },
      1,
    );
    // Revoked within the window: the revocation stores rebuild from it.
    const revokedRecently = await seedSession({ expiresAt: new Date(clock.now().getTime() + 20 * DAY), revokedAt: ago(2 * MINUTE) });

    expect(await sweeper().sweep()).toBe(2);
    const kept = [live.id, expiredRecently.id, revokedRecently.id].sort();
    expect(await sessionIds()).toEqual(kept);
    // Cascade: no rotated token of a deleted session is left; those of kept sessions all are.
    expect(await rotatedSessionIds()).toEqual([live.id, expiredRecently.id].sort());
    expect(await testDb.db.selectFrom('refresh_tokens').select('id').execute()).toHaveLength(3);
    expect([expiredLongAgo.id, revokedLongAgo.id].some((id) => kept.includes(id))).toBe(false);

    // Nothing more to do until time moves on; a minute and a bit later the recently expired one goes.
    expect(await sweeper().sweep()).toBe(0);
    clock.advance(2 * MINUTE);
    expect(await sweeper().sweep()).toBe(1);
    expect(await sessionIds()).toEqual([live.id, revokedRecently.id].sort());
  });

  it('keeps a session for the access-token TTL its tokens may outlive it by: a longer TTL keeps it longer', async () => {
    await clear();
    const ended = await seedSession({ expiresAt: ago(KEEP_MS + MINUTE) });
    const longerTtl = new SessionRetentionSweeper({
      db: testDb.db,
      clock,
      logger: pino({ level: 'silent' }),
      accessTokenTtlSeconds: TEST_AUTH.accessTokenTtlSeconds + 600,
      clockToleranceSeconds: TOLERANCE,
    });
    expect(await longerTtl.sweep()).toBe(0);
    expect(await sessionIds()).toEqual([ended.id]);
    expect(await sweeper().sweep()).toBe(1);
  });

  it("works through a backlog larger than its batch in one sweep, a long-lived session's many rotated tokens included", async () => {
    await clear();
    const live = await seedSession({ expiresAt: new Date(clock.now().getTime() + DAY) }, 4);
    for (let i = 0; i < 7; i += 1) await seedSession({ expiresAt: ago(KEEP_MS + (i + 1) * MINUTE) }, i === 3 ? 8 : 1);
    expect(await sweeper(3).sweep()).toBe(7);
    expect(await sessionIds()).toEqual([live.id]);
    expect(await rotatedSessionIds()).toEqual([live.id]);
    expect(await testDb.db.selectFrom('refresh_tokens').select('id').execute()).toHaveLength(4);
  });

  it('sweeps nothing once told to stop (a shutdown)', async () => {
    await clear();
    await seedSession({ expiresAt: ago(KEEP_MS + MINUTE) });
    expect(await sweeper().sweep(AbortSignal.abort())).toBe(0);
    expect(await sessionIds()).toHaveLength(1);
  });

  it("answers a deleted session's refresh tokens, current or rotated, with AUTH_REFRESH_INVALID", async () => {
    await clear();
    const services = await createTestServices({ db: testDb.db, clock });
    const caller = createCaller(createContextInner(services, { requestId: 'retention', ip: '10.9.0.1', authorization: null }));
    const ended = await seedSession({ expiresAt: ago(KEEP_MS + MINUTE) }, 1);
    expect(await sweeper().sweep()).toBe(1);
    for (const refreshToken of [ended.token, ...ended.rotatedTokens]) {
      expect(await appCodeOf(caller.auth.refresh({ refreshToken }))).toBe('AUTH_REFRESH_INVALID');
    }
  });
});
