/**
 * Sign-in with WeChat, refresh-token rotation with reuse detection, and logout.
 *
 * login:   code → code2Session → user by openid (created on first sign-in) → a session holding
 *          the encrypted session_key and its refresh token's hash → access token (JWT) + refresh
 *          token (opaque).
 * refresh: the presented token (the session's current one) is rotated, and remembered as used;
 *          presenting a used one again revokes the session.
 * logout:  revokes the session; its access tokens stop working at once.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthTokens, LoginOutput } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import { isUniqueViolation } from '../../db/dialect';
import type { AuthSessionRow, Database, UserRow } from '../../db/schema';
import { AppError } from '../../errors';
import type { WeChatClient } from '../../wechat/client';
import { findUserByOpenid, insertUser, updateUser } from '../user/user.repository';
import { toPublicUser } from '../user/user.service';
import {
  findSession,
  findSessionByRefreshTokenHash,
  findUsedRefreshToken,
  insertSession,
  insertUsedRefreshToken,
  revokeSession,
  rotateRefreshToken,
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

/** Whether WeChat names a unionid the user's row does not hold yet (a sign-in writes it). */
function unionidChanged(user: UserRow, unionid: string | null): unionid is string {
  return unionid !== null && user.unionid !== unionid;
}

/** Within the sign-in transaction: the user by openid, created on first sign-in. */
async function findOrCreateUser(db: Db, now: Date, openid: string, unionid: string | null) {
  const existing = await findUserByOpenid(db, openid);
  if (!existing) return { user: await insertUser(db, { openid, unionid }, now), isNewUser: true };
  if (unionidChanged(existing, unionid)) {
    return { user: (await updateUser(db, existing.id, { unionid }, now)) ?? existing, isNewUser: false };
  }
  return { user: existing, isNewUser: false };
}

export async function login(deps: AuthDeps, code: string): Promise<LoginOutput> {
  // The WeChat call stays outside any transaction: no database lock waits on the network.
  const wechatSession = await deps.wechat.code2Session(code);
  const now = deps.clock.now();
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken();
  const refreshExpiresAt = new Date(now.getTime() + deps.auth.refreshTokenTtlSeconds * 1000);
  const sessionFor = (user: UserRow): AuthSessionRow => ({
    id: sessionId,
    user_id: user.id,
    session_key_ciphertext: deps.auth.sessionKeys.encrypt(wechatSession.sessionKey, sessionId),
    created_at: now,
    expires_at: refreshExpiresAt,
    revoked_at: null,
    revoked_reason: null,
    refresh_token_hash: hashRefreshToken(refreshToken),
  });

  let signedIn: { user: UserRow; isNewUser: boolean };
  // Most sign-ins are a known user's: then the session, with its refresh token, is one row, one
  // INSERT, and needs no transaction (a launch storm is all sign-ins).
  const known = await findUserByOpenid(deps.db, wechatSession.openid);
  if (known && !unionidChanged(known, wechatSession.unionid)) {
    await insertSession(deps.db, sessionFor(known));
    signedIn = { user: known, isNewUser: false };
  } else {
    // A first sign-in (or a new unionid): the user and the session are written together or not at all.
    const signIn = () =>
      deps.db.transaction().execute(async (trx) => {
        const found = await findOrCreateUser(trx, now, wechatSession.openid, wechatSession.unionid);
        await insertSession(trx, sessionFor(found.user));
        return found;
      });
    try {
      signedIn = await signIn();
    } catch (error) {
      // Two first sign-ins of one user at once: the other insert won. A new transaction sees it
      // (this one's snapshot predates it under MySQL's repeatable read).
      if (!isUniqueViolation(error)) throw error;
      signedIn = await signIn();
    }
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
  const presentedHash = hashRefreshToken(presented);
  const session = await findSessionByRefreshTokenHash(deps.db, presentedHash);

  const reused = async (family: AuthSessionRow): Promise<never> => {
    // A rotated token came back: whoever holds the newer one may be a thief, or the victim.
    // End the whole family; the real user signs in again.
    await revoke(deps, family.id, 'refresh_reuse');
    deps.logger.warn({ sessionId: family.id, userId: family.user_id }, 'refresh token reuse: session revoked');
    throw new AppError('AUTH_REFRESH_REUSED');
  };
  if (!session) {
    // Not a session's current token: one rotated away, or none of ours.
    const used = await findUsedRefreshToken(deps.db, presentedHash);
    if (!used) throw new AppError('AUTH_REFRESH_INVALID');
    const family = await findSession(deps.db, used.session_id);
    if (!family || family.revoked_at !== null) throw new AppError('AUTH_SESSION_REVOKED');
    return reused(family);
  }
  if (session.revoked_at !== null) throw new AppError('AUTH_SESSION_REVOKED');
  if (session.expires_at.getTime() <= now.getTime()) throw new AppError('AUTH_REFRESH_INVALID');

  const refreshToken = newRefreshToken();
  const refreshExpiresAt = new Date(now.getTime() + deps.auth.refreshTokenTtlSeconds * 1000);
  const rotated = await deps.db.transaction().execute(async (trx) => {
    const rotation = {
      sessionId: session.id,
      fromHash: presentedHash,
      toHash: hashRefreshToken(refreshToken),
      expiresAt: refreshExpiresAt,
    };
    if (!(await rotateRefreshToken(trx, rotation))) return false;
    await insertUsedRefreshToken(trx, {
      session_id: session.id,
      token_hash: presentedHash,
      expires_at: session.expires_at,
      rotated_at: now,
    });
    return true;
  });
  // Another request rotated this token between the read and the update.
  if (!rotated) return reused(session);

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
