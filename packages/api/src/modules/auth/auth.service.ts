/**
 * Sign-in with WeChat, refresh-token rotation with reuse detection, and logout.
 *
 * login:   code → code2Session → user by openid (created on first sign-in) → a session holding
 *          the encrypted session_key → access token (JWT) + refresh token (opaque, stored hashed).
 * refresh: the presented token is rotated; presenting a rotated one again revokes the session.
 * logout:  revokes the session; its access tokens stop working at once.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthTokens, LoginOutput } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import { isUniqueViolation } from '../../db/dialect';
import type { Database } from '../../db/schema';
import { AppError } from '../../errors';
import type { WeChatClient } from '../../wechat/client';
import { findUserByOpenid, insertUser, updateUser } from '../user/user.repository';
import { toPublicUser } from '../user/user.service';
import {
  extendSession,
  findRefreshTokenByHash,
  findSession,
  insertRefreshToken,
  insertSession,
  markRefreshTokenRotated,
  revokeSession,
} from './auth.repository';
import type { AuthServices } from './auth-services';
import type { Session } from './session';

interface AuthDeps {
  db: Kysely<Database>;
  clock: Clock;
  wechat: Pick<WeChatClient, 'code2Session'>;
  auth: AuthServices;
  logger: Logger;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

type Db = Kysely<Database>;

/** Within the sign-in transaction: the user by openid, created on first sign-in. */
async function findOrCreateUser(db: Db, now: Date, openid: string, unionid: string | null) {
  const existing = await findUserByOpenid(db, openid);
  if (!existing) return { user: await insertUser(db, { openid, unionid }, now), isNewUser: true };
  if (unionid !== null && existing.unionid !== unionid) {
    return { user: (await updateUser(db, existing.id, { unionid }, now)) ?? existing, isNewUser: false };
  }
  return { user: existing, isNewUser: false };
}

export async function login(deps: AuthDeps, code: string): Promise<LoginOutput> {
  // The WeChat call stays outside the transaction: no database lock waits on the network.
  const wechatSession = await deps.wechat.code2Session(code);
  const now = deps.clock.now();
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken();
  const refreshExpiresAt = new Date(now.getTime() + deps.auth.refreshTokenTtlSeconds * 1000);

  // User, session and refresh token are written together or not at all.
  const signIn = () =>
    deps.db.transaction().execute(async (trx) => {
      const found = await findOrCreateUser(trx, now, wechatSession.openid, wechatSession.unionid);
      await insertSession(trx, {
        id: sessionId,
        user_id: found.user.id,
        session_key_ciphertext: deps.auth.sessionKeys.encrypt(wechatSession.sessionKey, sessionId),
        created_at: now,
        expires_at: refreshExpiresAt,
        revoked_at: null,
        revoked_reason: null,
      });
      await insertRefreshToken(trx, {
        session_id: sessionId,
        token_hash: hashRefreshToken(refreshToken),
        created_at: now,
        expires_at: refreshExpiresAt,
      });
      return found;
    });
  let signedIn: Awaited<ReturnType<typeof signIn>>;
  try {
    signedIn = await signIn();
  } catch (error) {
    // Two first sign-ins of one user at once: the other insert won. A new transaction sees it
    // (this one's snapshot predates it under MySQL's repeatable read).
    if (!isUniqueViolation(error)) throw error;
    signedIn = await signIn();
  }
  const { user, isNewUser } = signedIn;

  const access = await deps.auth.tokens.issue({ userId: user.id, sessionId });
  deps.logger.info({ userId: user.id, sessionId, isNewUser }, 'signed in');
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt: refreshExpiresAt,
    user: toPublicUser(user),
    isNewUser,
  };
}

async function revoke(deps: AuthDeps, sessionId: string, reason: string): Promise<void> {
  await revokeSession(deps.db, sessionId, reason, deps.clock.now());
  await deps.auth.revocations.revoke(sessionId);
}

export async function refresh(deps: AuthDeps, presented: string): Promise<AuthTokens> {
  const now = deps.clock.now();
  const stored = await findRefreshTokenByHash(deps.db, hashRefreshToken(presented));
  if (!stored) throw new AppError('AUTH_REFRESH_INVALID');
  const session = await findSession(deps.db, stored.session_id);
  if (!session || session.revoked_at !== null) throw new AppError('AUTH_SESSION_REVOKED');

  const reused = async (): Promise<never> => {
    // A rotated token came back: whoever holds the newer one may be a thief, or the victim.
    // End the whole family; the real user signs in again.
    await revoke(deps, session.id, 'refresh_reuse');
    deps.logger.warn({ sessionId: session.id, userId: session.user_id }, 'refresh token reuse: session revoked');
    throw new AppError('AUTH_REFRESH_REUSED');
  };
  if (stored.rotated_at !== null) return reused();
  if (stored.expires_at.getTime() <= now.getTime()) throw new AppError('AUTH_REFRESH_INVALID');

  const refreshToken = newRefreshToken();
  const refreshExpiresAt = new Date(now.getTime() + deps.auth.refreshTokenTtlSeconds * 1000);
  const rotated = await deps.db.transaction().execute(async (trx) => {
    if (!(await markRefreshTokenRotated(trx, stored.id, now))) return false;
    await insertRefreshToken(trx, {
      session_id: session.id,
      token_hash: hashRefreshToken(refreshToken),
      created_at: now,
      expires_at: refreshExpiresAt,
    });
    await extendSession(trx, session.id, refreshExpiresAt);
    return true;
  });
  if (!rotated) return reused();

  const access = await deps.auth.tokens.issue({ userId: session.user_id, sessionId: session.id });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt: refreshExpiresAt };
}

export async function logout(deps: AuthDeps, session: Session): Promise<void> {
  await revoke(deps, session.sessionId, 'logout');
  deps.logger.info({ userId: session.userId, sessionId: session.sessionId }, 'signed out');
}

/** The user's current WeChat session_key (for open-data decryption); it never leaves the server. */
export async function sessionKeyOf(
  deps: { db: Kysely<Database>; auth: Pick<AuthServices, 'sessionKeys'> },
  session: Session,
): Promise<string> {
  const row = await findSession(deps.db, session.sessionId);
  if (!row || row.revoked_at !== null) throw new AppError('AUTH_SESSION_REVOKED');
  return deps.auth.sessionKeys.decrypt(row.session_key_ciphertext, row.id);
}
