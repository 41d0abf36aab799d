/**
 * Sign-in with WeChat, refresh-token rotation with reuse detection, and logout.
 *
 * login:   code → code2Session → user by openid (created on first sign-in) → a session holding
 *          the encrypted session_key and its refresh token's hash → access token (JWT) + refresh
 *          token (opaque).
 * refresh: the presented token (the session's current one) is rotated, and kept as rotated;
 *          presenting a rotated one again revokes the session.
 * logout:  revokes the session; its access tokens stop working at once.
 */
import { createHash, randomUUID } from 'node:crypto';
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
  findRefreshTokenByHash,
  findSession,
  findSessionByRefreshTokenHash,
  insertRotatedRefreshToken,
  insertSession,
  markRefreshTokenRotated,
  revokeSession,
  setSessionRefreshToken,
} from './auth.repository';
import type { AuthServices } from './auth-services';
import { secureRandomBytes } from './random-bytes';
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
  return secureRandomBytes(32).toString('base64url');
}

type Db = Kysely<Database>;

/** The unionid a sign-in must write to the user's row: one WeChat names that the row lacks, else null. */
function unionidToWrite(user: UserRow, unionid: string | null): string | null {
  return unionid !== null && user.unionid !== unionid ? unionid : null;
}

/**
 * Within the sign-in transaction: the user as read just before it (`seen`), created when there was
 * none, its unionid written when WeChat names one the row lacks.
 */
async function writeUser(db: Db, now: Date, seen: UserRow | undefined, openid: string, unionid: string | null) {
  if (!seen) return { user: await insertUser(db, { openid, unionid }, now), isNewUser: true };
  const newUnionid = unionidToWrite(seen, unionid);
  if (newUnionid === null) return { user: seen, isNewUser: false };
  return { user: (await updateUser(db, seen.id, { unionid: newUnionid }, now)) ?? seen, isNewUser: false };
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
    refresh_token_created_at: now,
  });

  let signedIn: { user: UserRow; isNewUser: boolean };
  // Most sign-ins are a known user's: then the session, with its refresh token, is one row, one
  // INSERT, and needs no transaction (a launch storm is all sign-ins).
  const known = await findUserByOpenid(deps.db, wechatSession.openid);
  if (known && unionidToWrite(known, wechatSession.unionid) === null) {
    await insertSession(deps.db, sessionFor(known));
    signedIn = { user: known, isNewUser: false };
  } else {
    // A first sign-in (or a new unionid): the user and the session are written together or not at all.
    const signIn = (seen: UserRow | undefined) =>
      deps.db.transaction().execute(async (trx) => {
        const found = await writeUser(trx, now, seen, wechatSession.openid, wechatSession.unionid);
        await insertSession(trx, sessionFor(found.user));
        return found;
      });
    try {
      signedIn = await signIn(known);
    } catch (error) {
      // Two first sign-ins of one user at once: the other insert won. Read outside a transaction,
      // the user it committed is there.
      if (!isUniqueViolation(error)) throw error;
      signedIn = await signIn(await findUserByOpenid(deps.db, wechatSession.openid));
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

/** A rotated token came back: whoever holds the newer one may be a thief, or the victim. */
async function reuseDetected(deps: AuthDeps, family: AuthSessionRow): Promise<never> {
  // End the whole family; the real user signs in again.
  await revoke(deps, family.id, 'refresh_reuse');
  deps.logger.warn({ sessionId: family.id, userId: family.user_id }, 'refresh token reuse: session revoked');
  throw new AppError('AUTH_REFRESH_REUSED');
}

type NextRefreshToken = { hash: string; createdAt: Date; expiresAt: Date };

/**
 * Replaces a live session's refresh token that expires at `presentedExpiresAt`: `swap` writes the
 * new one in a transaction and says false when another request came first: a logout since the
 * session was read (the refresh then fails as it would have after the logout), or a rotation of
 * the presented token (reuse).
 */
async function rotate(
  deps: AuthDeps,
  session: AuthSessionRow,
  presentedExpiresAt: Date,
  swap: (trx: Db, next: NextRefreshToken) => Promise<boolean>,
): Promise<AuthTokens> {
  const now = deps.clock.now();
  if (presentedExpiresAt.getTime() <= now.getTime()) throw new AppError('AUTH_REFRESH_INVALID');
  const refreshToken = newRefreshToken();
  const next = {
    hash: hashRefreshToken(refreshToken),
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.auth.refreshTokenTtlSeconds * 1000),
  };
  if (!(await deps.db.transaction().execute((trx) => swap(trx, next)))) {
    const current = await findSession(deps.db, session.id);
    if (!current || current.revoked_at !== null) throw new AppError('AUTH_SESSION_REVOKED');
    return reuseDetected(deps, session);
  }
  const access = await deps.auth.tokens.issue({ userId: session.user_id, sessionId: session.id });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt: next.expiresAt };
}

export async function refresh(deps: AuthDeps, presented: string): Promise<AuthTokens> {
  const presentedHash = hashRefreshToken(presented);
  // A session's current token: the new one takes its place, it is kept as rotated.
  const session = await findSessionByRefreshTokenHash(deps.db, presentedHash);
  if (session) {
    if (session.revoked_at !== null) throw new AppError('AUTH_SESSION_REVOKED');
    return rotate(deps, session, session.expires_at, async (trx, next) => {
      if (!(await setSessionRefreshToken(trx, { sessionId: session.id, replacing: presentedHash, ...next }))) return false;
      await insertRotatedRefreshToken(trx, {
        session_id: session.id,
        token_hash: presentedHash,
        created_at: session.refresh_token_created_at ?? session.created_at,
        expires_at: session.expires_at,
        rotated_at: next.createdAt,
      });
      return true;
    });
  }

  // Otherwise a token rotated away, or one still current that a version before migration 0007
  // issued (kept in refresh_tokens): rotating it moves the session's token onto the session.
  const stored = await findRefreshTokenByHash(deps.db, presentedHash);
  if (!stored) throw new AppError('AUTH_REFRESH_INVALID');
  const family = await findSession(deps.db, stored.session_id);
  if (!family || family.revoked_at !== null) throw new AppError('AUTH_SESSION_REVOKED');
  if (stored.rotated_at !== null) return reuseDetected(deps, family);
  return rotate(deps, family, stored.expires_at, async (trx, next) => {
    if (!(await markRefreshTokenRotated(trx, stored.id, next.createdAt))) return false;
    return setSessionRefreshToken(trx, { sessionId: family.id, ...next });
  });
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
