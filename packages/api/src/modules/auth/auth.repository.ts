/**
 * Sessions, which hold their current refresh token's hash, and the refresh tokens rotated away (with
 * the still current ones a version before migration 0007 issued).
 * Plain functions taking the database or a transaction first.
 */
import type { Insertable, Kysely } from 'kysely';
import { prepare } from '../../db/prepared';
import type { AuthSessionRow, Database, RefreshTokenRow, RefreshTokensTable } from '../../db/schema';

type Db = Kysely<Database>;

// Every sign-in's write. Every column named (`satisfies`): a column added to the table is not left out.
const insertSessionStatement = prepare<AuthSessionRow>((db, value) =>
  db.insertInto('auth_sessions').values({
    id: value('id'),
    user_id: value('user_id'),
    session_key_ciphertext: value('session_key_ciphertext'),
    created_at: value('created_at'),
    expires_at: value('expires_at'),
    revoked_at: value('revoked_at'),
    revoked_reason: value('revoked_reason'),
    refresh_token_hash: value('refresh_token_hash'),
    refresh_token_created_at: value('refresh_token_created_at'),
  } satisfies Record<keyof AuthSessionRow, unknown>),
);

export async function insertSession(db: Db, session: AuthSessionRow): Promise<void> {
  await insertSessionStatement.execute(db, session);
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

/** The session (live or revoked) whose current refresh token has this hash. */
export async function findSessionByRefreshTokenHash(db: Db, tokenHash: string): Promise<AuthSessionRow | undefined> {
  return db.selectFrom('auth_sessions').selectAll().where('refresh_token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Gives a live session a new current refresh token, which also sets when the session ends. With
 * `replacing`, only while that is still its current one. False when another request came first:
 * one that rotated the token (a race, or a replay), or a logout that revoked the session.
 */
export async function setSessionRefreshToken(
  db: Db,
  token: { sessionId: string; replacing?: string; hash: string; createdAt: Date; expiresAt: Date },
): Promise<boolean> {
  let update = db
    .updateTable('auth_sessions')
    .set({ refresh_token_hash: token.hash, refresh_token_created_at: token.createdAt, expires_at: token.expiresAt })
    .where('id', '=', token.sessionId)
    .where('revoked_at', 'is', null);
  if (token.replacing !== undefined) update = update.where('refresh_token_hash', '=', token.replacing);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A refresh token rotated away, kept so that presenting it again is recognised as reuse. */
export async function insertRotatedRefreshToken(db: Db, token: Insertable<RefreshTokensTable> & { rotated_at: Date }): Promise<void> {
  await db.insertInto('refresh_tokens').values(token).execute();
}

/** A token rotated away, or one still current that a version before migration 0007 issued. */
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
