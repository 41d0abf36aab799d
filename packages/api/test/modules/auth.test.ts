/**
 * Sign-in, sessions and tokens through createCaller, against MySQL and the WeChat mock.
 */
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../../src/context';
import { setSessionRefreshToken } from '../../src/modules/auth/auth.repository';
import { insertUser } from '../../src/modules/user/user.repository';
import type { Services } from '../../src/services';
import { AppError } from '../../src/errors';
import { appCodeOf } from '../support/errors';
import { hashRefreshToken, sessionKeyOf } from '../../src/modules/auth/auth.service';
import { createCaller } from '../../src/root';
import type { RunningWeChatMock } from '@app/wechat-mock';
import { createMysqlTestDatabase, type TestDatabase } from '../support/databases';
import { LogCapture } from '@app/test-support';
import { createTestRedis } from '../support/redis';
import { createTestServices, TEST_AUTH, testClock } from '../support/services';
import { startTestMock } from '../support/wechat';

let testDb: TestDatabase;
let mock: RunningWeChatMock;
let services: Services;
const clock = testClock(new Date());
const logs = new LogCapture();

beforeAll(async () => {
  testDb = await createMysqlTestDatabase();
  mock = await startTestMock({ now: () => clock.now().getTime() });
  services = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock, logger: pino({ level: 'debug' }, logs) });
});
afterEach(() => mock.world.clearFaults());
afterAll(async () => {
  await mock.close();
  await testDb.destroy();
});

let ipCounter = 0;
/** A caller as one client: its own IP, so per-IP limits of other tests do not interfere. */
function client(options: { authorization?: string; services?: Services; ip?: string } = {}) {
  ipCounter += 1;
  return createCaller(
    createContextInner(options.services ?? services, {
      requestId: `req-${ipCounter}`,
      ip: options.ip ?? `10.0.0.${ipCounter}`,
      authorization: options.authorization ?? null,
    }),
  );
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

async function signIn(user: string, svc: Services = services) {
  return client({ services: svc }).auth.login({ code: mock.world.issueLoginCode(user) });
}

describe('auth.login', () => {
  it('creates the user on first sign-in and finds it on the second', async () => {
    const first = await signIn('first-timer');
    expect(first.isNewUser).toBe(true);
    expect(first.user.id).toBeGreaterThan(0);
    const second = await signIn('first-timer');
    expect(second.isNewUser).toBe(false);
    expect(second.user.id).toBe(first.user.id);

    const row = await testDb.db.selectFrom('users').selectAll().where('id', '=', first.user.id).executeTakeFirstOrThrow();
    expect(row.openid).toBe(mock.world.openidOf('first-timer'));
    expect(row.unionid).toBe(mock.world.unionidOf('first-timer'));
    const sessions = await testDb.db.selectFrom('auth_sessions').select('id').where('user_id', '=', first.user.id).execute();
    expect(sessions).toHaveLength(2);
  });

  it('writes the unionid WeChat now gives a known user who had none, with the session', async () => {
    const openid = mock.world.openidOf('late-union');
    const known = await insertUser(testDb.db, { openid, unionid: null }, clock.now());
    const signedIn = await signIn('late-union');
    expect(signedIn.isNewUser).toBe(false);
    expect(signedIn.user.id).toBe(known.id);
    const row = await testDb.db.selectFrom('users').select('unionid').where('id', '=', known.id).executeTakeFirstOrThrow();
    expect(row.unionid).toBe(mock.world.unionidOf('late-union'));
    const sessions = await testDb.db.selectFrom('auth_sessions').select('id').where('user_id', '=', known.id).execute();
    expect(sessions).toHaveLength(1);
  });

  it('gives two simultaneous first sign-ins of one user the same account', async () => {
    const [a, b] = await Promise.all([signIn('twin'), signIn('twin')]);
    expect(a.user.id).toBe(b.user.id);
    expect([a.isNewUser, b.isNewUser].filter(Boolean)).toHaveLength(1);
    const rows = await testDb.db.selectFrom('users').select('id').where('openid', '=', mock.world.openidOf('twin')).execute();
    expect(rows).toHaveLength(1);
    const sessions = await testDb.db.selectFrom('auth_sessions').select('id').where('user_id', '=', a.user.id).execute();
    expect(sessions).toHaveLength(2);
  });

  it('returns tokens that work, and keeps session_key on the server, encrypted', async () => {
    const result = await signIn('keeper');
    const openid = mock.world.openidOf('keeper');
    const sessionKey = mock.world.sessionKeyOf(openid)!;
    expect(JSON.stringify(result)).not.toContain(sessionKey);
    expect(logs.text).not.toContain(sessionKey);
    // JWT times are whole seconds.
    const issuedAtSecond = Math.floor(clock.now().getTime() / 1000) * 1000;
    expect(result.accessTokenExpiresAt.getTime() - issuedAtSecond).toBe(TEST_AUTH.accessTokenTtlSeconds * 1000);
    expect(Buffer.from(result.refreshToken, 'base64url')).toHaveLength(32);

    const me = await client(bearer(result.accessToken)).user.me();
    expect(me.id).toBe(result.user.id);

    const session = await services.auth.tokens.verify(result.accessToken);
    const stored = await testDb.db.selectFrom('auth_sessions').selectAll().where('id', '=', session.sessionId).executeTakeFirstOrThrow();
    expect(stored.session_key_ciphertext).not.toContain(sessionKey);
    expect(await sessionKeyOf(services, { userId: session.userId, sessionId: session.sessionId })).toBe(sessionKey);
    // The session holds a hash of its refresh token, not the token.
    expect(stored.refresh_token_hash).toBe(hashRefreshToken(result.refreshToken));
    expect(JSON.stringify(stored)).not.toContain(result.refreshToken);
  });

  it('maps each WeChat failure to its code and writes nothing', async () => {
    const usersBefore = await testDb.db.selectFrom('users').select('id').execute();
    const used = mock.world.issueLoginCode('replayer');
    await client().auth.login({ code: used });
    const afterFirst = await testDb.db.selectFrom('users').select('id').execute();
    expect(afterFirst).toHaveLength(usersBefore.length + 1);

    expect(await appCodeOf(client().auth.login({ code: used }))).toBe('WECHAT_CODE_USED');
    expect(await appCodeOf(client().auth.login({ code: 'never-issued-code' }))).toBe('WECHAT_CODE_INVALID');
    mock.world.setBlocked('blocked-user', true);
    expect(await appCodeOf(client().auth.login({ code: mock.world.issueLoginCode('blocked-user') }))).toBe('WECHAT_USER_BLOCKED');
    mock.world.setFaults({ errcode: 45011 });
    expect(await appCodeOf(client().auth.login({ code: mock.world.issueLoginCode('x') }))).toBe('WECHAT_RATE_LIMITED');
    mock.world.setFaults({ errcode: -1 });
    expect(await appCodeOf(client().auth.login({ code: mock.world.issueLoginCode('x') }))).toBe('WECHAT_BUSY');
    mock.world.setFaults({ errcode: null, down: true });
    expect(await appCodeOf(client().auth.login({ code: mock.world.issueLoginCode('x') }))).toBe('WECHAT_UNAVAILABLE');
    // No answer within the WeChat timeout (1 s here): WeChat may have used the code, so it is not
    // sent again and the client is told to sign in with a new one.
    mock.world.setFaults({ down: false, latencyMs: 1_200 });
    expect(await appCodeOf(client().auth.login({ code: mock.world.issueLoginCode('slow') }))).toBe('WECHAT_TIMEOUT');

    expect(await testDb.db.selectFrom('users').select('id').execute()).toHaveLength(afterFirst.length);
  });

  it('rejects an empty or oversized code before asking WeChat', async () => {
    const before = mock.world.stats.requests;
    await expect(client().auth.login({ code: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client().auth.login({ code: 'x'.repeat(200) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(mock.world.stats.requests).toBe(before);
  });
});

describe('auth.refresh', () => {
  it('rotates: the new pair works and the old refresh token stops working', async () => {
    const login = await signIn('rotator');
    const refreshed = await client().auth.refresh({ refreshToken: login.refreshToken });
    expect(refreshed.refreshToken).not.toBe(login.refreshToken);
    expect((await client(bearer(refreshed.accessToken)).user.me()).id).toBe(login.user.id);
    const again = await client().auth.refresh({ refreshToken: refreshed.refreshToken });
    expect(again.refreshToken).not.toBe(refreshed.refreshToken);
  });

  it('detects reuse of a rotated token and revokes the whole session family', async () => {
    const login = await signIn('victim');
    const stolen = login.refreshToken;
    const legit = await client().auth.refresh({ refreshToken: stolen });

    expect(await appCodeOf(client().auth.refresh({ refreshToken: stolen }))).toBe('AUTH_REFRESH_REUSED');
    expect(await appCodeOf(client().auth.refresh({ refreshToken: legit.refreshToken }))).toBe('AUTH_SESSION_REVOKED');
    expect(await appCodeOf(client(bearer(legit.accessToken)).user.me())).toBe('AUTH_SESSION_REVOKED');
    expect(await appCodeOf(client(bearer(login.accessToken)).user.me())).toBe('AUTH_SESSION_REVOKED');
  });

  /**
   * A signed-in session as a version before migration 0007 wrote it: no token of its own, its
   * current one a row of refresh_tokens (expiring with the session unless told).
   */
  async function signInBefore0007(user: string, expiresAt?: Date) {
    const login = await signIn(user);
    const { sessionId } = await services.auth.tokens.verify(login.accessToken);
    const legacy = `legacy-${sessionId}`;
    await testDb.db
      .updateTable('auth_sessions')
      .set({ refresh_token_hash: null, refresh_token_created_at: null })
      .where('id', '=', sessionId)
      .execute();
    const session = await testDb.db.selectFrom('auth_sessions').select('expires_at').where('id', '=', sessionId).executeTakeFirstOrThrow();
    await testDb.db
      .insertInto('refresh_tokens')
      .values({
        session_id: sessionId,
        token_hash: hashRefreshToken(legacy),
        created_at: clock.now(),
        expires_at: expiresAt ?? session.expires_at,
        rotated_at: null,
      })
      .execute();
    return { login, sessionId, legacy };
  }

  it('rotates a token a version before migration 0007 issued (a row of refresh_tokens), then treats it as rotated', async () => {
    const { login, sessionId, legacy } = await signInBefore0007('before-0007');
    const refreshed = await client().auth.refresh({ refreshToken: legacy });
    expect((await client(bearer(refreshed.accessToken)).user.me()).id).toBe(login.user.id);
    const session = await testDb.db.selectFrom('auth_sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    expect(session.refresh_token_hash).toBe(hashRefreshToken(refreshed.refreshToken));
    expect((await client().auth.refresh({ refreshToken: refreshed.refreshToken })).refreshToken).not.toBe(refreshed.refreshToken);
    expect(await appCodeOf(client().auth.refresh({ refreshToken: legacy }))).toBe('AUTH_REFRESH_REUSED');
  });

  it('lets only one of two concurrent refreshes of a token from before migration 0007 win', async () => {
    const { legacy } = await signInBefore0007('racer-before-0007');
    const results = await Promise.allSettled([
      client().auth.refresh({ refreshToken: legacy }),
      client().auth.refresh({ refreshToken: legacy }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as AppError).appCode).toBe('AUTH_REFRESH_REUSED');
  });

  it('refuses a token from before migration 0007 that expired, or whose session was revoked', async () => {
    const expired = await signInBefore0007('expired-before-0007', new Date(clock.now().getTime() - 1_000));
    expect(await appCodeOf(client().auth.refresh({ refreshToken: expired.legacy }))).toBe('AUTH_REFRESH_INVALID');
    const revoked = await signInBefore0007('revoked-before-0007');
    await client(bearer(revoked.login.accessToken)).auth.logout();
    expect(await appCodeOf(client().auth.refresh({ refreshToken: revoked.legacy }))).toBe('AUTH_SESSION_REVOKED');
  });

  it('replaces a session token only while it is still the current one', async () => {
    const login = await signIn('compare-and-set');
    const { sessionId } = await services.auth.tokens.verify(login.accessToken);
    const before = await testDb.db.selectFrom('auth_sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    const next = { sessionId, hash: 'f'.repeat(64), createdAt: clock.now(), expiresAt: clock.now() };
    expect(await setSessionRefreshToken(testDb.db, { ...next, replacing: hashRefreshToken('not-the-current-one') })).toBe(false);
    expect(await testDb.db.selectFrom('auth_sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow()).toEqual(before);
    expect(await setSessionRefreshToken(testDb.db, { ...next, replacing: hashRefreshToken(login.refreshToken) })).toBe(true);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const login = await signIn('racer');
    const results = await Promise.allSettled([
      client().auth.refresh({ refreshToken: login.refreshToken }),
      client().auth.refresh({ refreshToken: login.refreshToken }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as AppError).appCode).toBe('AUTH_REFRESH_REUSED');
  });

  it('refuses to rotate the token of a session a logout revoked while the refresh was under way', async () => {
    const login = await signIn('refresh-meets-logout');
    const { sessionId } = await services.auth.tokens.verify(login.accessToken);
    // The logout lands between the refresh's read of the session and its write (its transaction).
    const db = new Proxy(testDb.db, {
      get(target, property) {
        if (property === 'transaction')
          return () => ({
            execute: async (work: Parameters<ReturnType<typeof target.transaction>['execute']>[0]) => {
              await client(bearer(login.accessToken)).auth.logout();
              return target.transaction().execute(work);
            },
          });
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    expect(await appCodeOf(client({ services: { ...services, db } }).auth.refresh({ refreshToken: login.refreshToken }))).toBe(
      'AUTH_SESSION_REVOKED',
    );
    // Nothing rotated, and no reuse alarm: the session kept the token it had when it was revoked.
    const row = await testDb.db
      .selectFrom('auth_sessions')
      .select(['refresh_token_hash', 'revoked_reason'])
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ refresh_token_hash: hashRefreshToken(login.refreshToken), revoked_reason: 'logout' });
  });

  it('rejects an unknown or expired refresh token', async () => {
    expect(await appCodeOf(client().auth.refresh({ refreshToken: 'not-a-token-we-issued' }))).toBe('AUTH_REFRESH_INVALID');
    const login = await signIn('sleeper');
    clock.advance(TEST_AUTH.refreshTokenTtlSeconds * 1000 + 1_000);
    try {
      expect(await appCodeOf(client().auth.refresh({ refreshToken: login.refreshToken }))).toBe('AUTH_REFRESH_INVALID');
    } finally {
      clock.advance(-(TEST_AUTH.refreshTokenTtlSeconds * 1000 + 1_000));
    }
  });
});

describe('auth.logout', () => {
  it('revokes the session: its access and refresh tokens stop working', async () => {
    const login = await signIn('leaver');
    expect(await client(bearer(login.accessToken)).auth.logout()).toEqual({ ok: true });
    expect(await appCodeOf(client(bearer(login.accessToken)).user.me())).toBe('AUTH_SESSION_REVOKED');
    expect(await appCodeOf(client().auth.refresh({ refreshToken: login.refreshToken }))).toBe('AUTH_SESSION_REVOKED');
    // Signing in again as the same WeChat user works and finds the same account.
    const back = await signIn('leaver');
    expect(back.user.id).toBe(login.user.id);
    expect((await client(bearer(back.accessToken)).user.me()).id).toBe(login.user.id);
  });

  it('survives a restart without Redis: recent logouts are reloaded from the database', async () => {
    const login = await signIn('restarter');
    await client(bearer(login.accessToken)).auth.logout();
    const restarted = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock });
    expect(await appCodeOf(client({ ...bearer(login.accessToken), services: restarted }).user.me())).toBe('AUTH_SESSION_REVOKED');
  });
});

describe('auth.logout with a clock tolerance over a minute', () => {
  it('is remembered for as long as the access tokens it ended are accepted, here and by an instance started later', async () => {
    const auth = { clockToleranceSeconds: 120 };
    const tolerant = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock, auth });
    const login = await signIn('tolerant-leaver', tolerant);
    await client({ services: tolerant, ...bearer(login.accessToken) }).auth.logout();
    const loggedOutAt = clock.now();
    try {
      // 100 s after it expired, within the 120 s tolerance: its time alone would still let it in.
      clock.set(new Date(login.accessTokenExpiresAt.getTime() + 100_000));
      expect(await appCodeOf(client({ services: tolerant, ...bearer(login.accessToken) }).user.me())).toBe('AUTH_SESSION_REVOKED');
      const restarted = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock, auth });
      expect(await appCodeOf(client({ services: restarted, ...bearer(login.accessToken) }).user.me())).toBe('AUTH_SESSION_REVOKED');
    } finally {
      clock.set(loggedOutAt);
    }
  });
});

describe('access token checks', () => {
  const key = createSecretKey(Buffer.from(TEST_AUTH.jwtSecret, 'utf8'));

  async function forge(
    options: { alg?: string; secret?: string; issuer?: string; audience?: string; expiresInSeconds?: number } = {},
    subject = { userId: 1, sessionId: 'forged-session' },
  ) {
    const now = Math.floor(clock.now().getTime() / 1000);
    return new SignJWT({ sid: subject.sessionId })
      .setProtectedHeader({ alg: options.alg ?? 'HS256' })
      .setIssuer(options.issuer ?? TEST_AUTH.issuer)
      .setAudience(options.audience ?? TEST_AUTH.audience)
      .setSubject(String(subject.userId))
      .setJti('forged')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInSeconds ?? 600))
      .sign(options.secret ? createSecretKey(Buffer.from(options.secret, 'utf8')) : key);
  }

  it('accepts a token it issued (control case for the forgeries below)', async () => {
    const login = await signIn('control');
    const session = await services.auth.tokens.verify(login.accessToken);
    expect((await client(bearer(await forge({}, session))).user.me()).id).toBe(login.user.id);
  });

  it('rejects each kind of bad token with its own code', async () => {
    const login = await signIn('target');
    const subject = await services.auth.tokens.verify(login.accessToken);
    const [header, payload] = login.accessToken.split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const cases: Array<[string, string | undefined, string]> = [
      ['no header', undefined, 'AUTH_REQUIRED'],
      ['not bearer', `Basic ${Buffer.from('a:b').toString('base64')}`, 'AUTH_TOKEN_MALFORMED'],
      ['garbage', 'Bearer not.a.jwt', 'AUTH_TOKEN_MALFORMED'],
      ['bad signature', `Bearer ${header}.${payload}.${'A'.repeat(43)}`, 'AUTH_TOKEN_SIGNATURE_INVALID'],
      [
        'other secret',
        `Bearer ${await forge({ secret: 'another-secret-of-sufficient-length-000000' }, subject)}`,
        'AUTH_TOKEN_SIGNATURE_INVALID',
      ],
      ['alg none', `Bearer ${noneHeader}.${payload}.`, 'AUTH_TOKEN_ALGORITHM_INVALID'],
      ['HS512', `Bearer ${await forge({ alg: 'HS512' }, subject)}`, 'AUTH_TOKEN_ALGORITHM_INVALID'],
      ['wrong iss', `Bearer ${await forge({ issuer: 'someone-else' }, subject)}`, 'AUTH_TOKEN_CLAIMS_INVALID'],
      ['wrong aud', `Bearer ${await forge({ audience: 'another-app' }, subject)}`, 'AUTH_TOKEN_CLAIMS_INVALID'],
    ];
    for (const [label, authorization, expected] of cases) {
      const code = await appCodeOf(client(authorization === undefined ? {} : { authorization }).user.me());
      expect({ label, code }).toEqual({ label, code: expected });
    }
  });

  it('rejects an expired token, allowing a small clock skew', async () => {
    const login = await signIn('expiring');
    clock.advance(TEST_AUTH.accessTokenTtlSeconds * 1000 + 20_000);
    try {
      expect((await client(bearer(login.accessToken)).user.me()).id).toBe(login.user.id);
      clock.advance(20_000);
      expect(await appCodeOf(client(bearer(login.accessToken)).user.me())).toBe('AUTH_TOKEN_EXPIRED');
    } finally {
      clock.advance(-(TEST_AUTH.accessTokenTtlSeconds * 1000 + 40_000));
    }
  });
});

describe('user.bindPhone', () => {
  it('stores the number from WeChat, shows it masked, and logs it only masked', async () => {
    const login = await signIn('caller');
    const user = await client(bearer(login.accessToken)).user.bindPhone({ code: mock.world.issuePhoneCode('13712345678') });
    expect(user.phoneMasked).toBe('137****5678');
    const row = await testDb.db.selectFrom('users').select('phone').where('id', '=', login.user.id).executeTakeFirstOrThrow();
    expect(row.phone).toBe('13712345678');
    expect(logs.text).toContain('137****5678');
    expect(logs.text).not.toContain('13712345678');
  });

  it('rejects a used phone code', async () => {
    const login = await signIn('caller2');
    const code = mock.world.issuePhoneCode('13700000000');
    await client(bearer(login.accessToken)).user.bindPhone({ code });
    expect(await appCodeOf(client(bearer(login.accessToken)).user.bindPhone({ code }))).toBe('WECHAT_PHONE_CODE_INVALID');
  });
});

describe('rate limits', () => {
  it('limits sign-in per IP in memory, with a retry-after', async () => {
    const limited = await createTestServices({
      db: testDb.db,
      wechatUrl: mock.url,
      clock,
      rateLimits: { loginPerIp: { points: 2, durationSeconds: 60 } },
    });
    const ip = '192.0.2.10';
    for (let i = 0; i < 2; i += 1) await client({ services: limited, ip }).auth.login({ code: mock.world.issueLoginCode('flood') });
    const error = await client({ services: limited, ip })
      .auth.login({ code: mock.world.issueLoginCode('flood') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).appCode).toBe('RATE_LIMITED');
    expect((error as AppError).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as AppError).retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another address is not affected.
    await client({ services: limited, ip: '192.0.2.11' }).auth.login({ code: mock.world.issueLoginCode('flood') });
  });

  it('limits attempts with the same code, before WeChat is asked', async () => {
    const code = mock.world.issueLoginCode('retrier');
    await client().auth.login({ code });
    for (let i = 0; i < 2; i += 1) expect(await appCodeOf(client().auth.login({ code }))).toBe('WECHAT_CODE_USED');
    const before = mock.world.stats.requests;
    expect(await appCodeOf(client().auth.login({ code }))).toBe('RATE_LIMITED');
    expect(mock.world.stats.requests).toBe(before);
  });

  it('limits mutations per user', async () => {
    const limited = await createTestServices({
      db: testDb.db,
      wechatUrl: mock.url,
      clock,
      rateLimits: { mutationsPerUser: { points: 2, durationSeconds: 60 } },
    });
    const login = await signIn('busy-editor', limited);
    const caller = client({ services: limited, ...bearer(login.accessToken) });
    await caller.user.updateProfile({ nickname: '一' });
    await caller.user.updateProfile({ nickname: '二' });
    expect(await appCodeOf(caller.user.updateProfile({ nickname: '三' }))).toBe('RATE_LIMITED');
    // Queries are not limited.
    expect((await caller.user.me()).nickname).toBe('二');
  });

  it('holds across two instances sharing Redis', async () => {
    const shared = createTestRedis();
    try {
      const rules = { loginPerIp: { points: 3, durationSeconds: 60 } };
      const a = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock, redis: shared.redis, rateLimits: rules });
      const b = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock, redis: shared.redis, rateLimits: rules });
      const ip = '198.51.100.7';
      await client({ services: a, ip }).auth.login({ code: mock.world.issueLoginCode('spread') });
      await client({ services: b, ip }).auth.login({ code: mock.world.issueLoginCode('spread') });
      await client({ services: a, ip }).auth.login({ code: mock.world.issueLoginCode('spread') });
      expect(await appCodeOf(client({ services: b, ip }).auth.login({ code: mock.world.issueLoginCode('spread') }))).toBe('RATE_LIMITED');
    } finally {
      await shared.close();
    }
  });
});

describe('revocation across instances sharing Redis', () => {
  it('a logout on one instance is seen by the other at once', async () => {
    const shared = createTestRedis();
    try {
      const a = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock, redis: shared.redis });
      const b = await createTestServices({ db: testDb.db, wechatUrl: mock.url, clock, redis: shared.redis });
      const login = await signIn('roamer', a);
      expect((await client({ services: b, ...bearer(login.accessToken) }).user.me()).id).toBe(login.user.id);
      await client({ services: a, ...bearer(login.accessToken) }).auth.logout();
      expect(await appCodeOf(client({ services: b, ...bearer(login.accessToken) }).user.me())).toBe('AUTH_SESSION_REVOKED');
    } finally {
      await shared.close();
    }
  });
});
