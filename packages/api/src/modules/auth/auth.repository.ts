/**
 * Sessions and refresh tokens. Plain functions taking the database or a transaction first.
 */
import type { Kysely } from 'kysely';
import type { AuthSessionRow, Database, RefreshTokenRow } from '../../db/schema';

type Db = Kysely<Database>;

export async function insertSession(db: Db, session: AuthSessionRow): Promise<void> {
  await db.insertInto('auth_sessions').values(session).execute();
}

export async function findSession(db: Db, id: string): Promise<AuthSessionRow | undefined> {
  return db.selectFrom('auth_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function extendSession(db: Db, id: string, expiresAt: Date): Promise<void> {
  await db.updateTable('auth_sessions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
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

export async function insertRefreshToken(
  db: Db,
  token: { session_id: string; token_hash: string; created_at: Date; expires_at: Date },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({ ...token, rotated_at: null })
    .execute();
}

export async function findRefreshTokenByHash(db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Marks a token used; false when another request rotated it first (a race, or a replay). */
export async function markRefreshTokenRotated(db: Db, id: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ rotated_at: now })
    .where('id', '=', id)
    .where('rotated_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
