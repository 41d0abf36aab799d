/**
 * Sessions, which hold their current refresh token's hash, and the refresh tokens rotated away.
 * Plain functions taking the database or a transaction first.
 */
import type { Insertable, Kysely } from 'kysely';
import type { AuthSessionRow, Database, UsedRefreshTokenRow, UsedRefreshTokensTable } from '../../db/schema';

type Db = Kysely<Database>;

export async function insertSession(db: Db, session: AuthSessionRow): Promise<void> {
  await db.insertInto('auth_sessions').values(session).execute();
}

export async function findSession(db: Db, id: string): Promise<AuthSessionRow | undefined> {
  return db.selectFrom('auth_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Revokes a live session; returns false when it was already revoked (or does not exist). */
export async function revokeSession(db: Db, id: string, reason: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('auth_sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findSessionsRevokedSince(db: Db, since: Date): Promise<string[]> {
  const rows = await db.selectFrom('auth_sessions').select('id').where('revoked_at', '>=', since).execute();
  return rows.map((row) => row.id);
}

/** The live or revoked session whose current refresh token has this hash. */
export async function findSessionByRefreshTokenHash(db: Db, tokenHash: string): Promise<AuthSessionRow | undefined> {
  return db.selectFrom('auth_sessions').selectAll().where('refresh_token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Gives the session a new current refresh token (and its expiry) in place of `fromHash`; false when
 * `fromHash` is no longer its current one: another request rotated it first (a race, or a replay).
 */
export async function rotateRefreshToken(
  db: Db,
  rotation: { sessionId: string; fromHash: string; toHash: string; expiresAt: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('auth_sessions')
    .set({ refresh_token_hash: rotation.toHash, expires_at: rotation.expiresAt })
    .where('id', '=', rotation.sessionId)
    .where('refresh_token_hash', '=', rotation.fromHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertUsedRefreshToken(db: Db, token: Insertable<UsedRefreshTokensTable>): Promise<void> {
  await db.insertInto('used_refresh_tokens').values(token).execute();
}

export async function findUsedRefreshToken(db: Db, tokenHash: string): Promise<UsedRefreshTokenRow | undefined> {
  return db.selectFrom('used_refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}
