// Frozen: never edit a migration that has shipped; add a new one.
// A session holds the hash of its current refresh token, so a sign-in writes one row: one INSERT,
// no transaction (it was BEGIN, the session, its refresh token, COMMIT: under a storm of sign-ins,
// a third of a sign-in's CPU went to those round trips). The refresh_tokens table keeps only the
// tokens already rotated away, which reuse detection looks up: renamed used_refresh_tokens, without
// created_at (a token's issue time was its rotation's, which the session does not keep).
import { MysqlAdapter, sql } from 'kysely';
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('auth_sessions').addColumn('refresh_token_hash', 'char(64)').execute();
  // Each session's current token: the one not rotated yet (a revoked family may have none: NULL).
  await sql`update auth_sessions set refresh_token_hash = (
      select token_hash from refresh_tokens
      where refresh_tokens.session_id = auth_sessions.id and refresh_tokens.rotated_at is null
      order by refresh_tokens.id desc limit 1)`.execute(db);
  await db.deleteFrom('refresh_tokens').where('rotated_at', 'is', null).execute();
  await db.schema.createIndex('auth_sessions_refresh_token_hash_uq').on('auth_sessions').column('refresh_token_hash').unique().execute();
  await db.schema.alterTable('refresh_tokens').dropColumn('created_at').execute();
  await db.schema.alterTable('refresh_tokens').renameTo('used_refresh_tokens').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema.alterTable('used_refresh_tokens').renameTo('refresh_tokens').execute();
  // The issue time is lost: a token's expiry stands in for it (only an audit field).
  await db.schema.alterTable('refresh_tokens').addColumn('created_at', t.timestamp).execute();
  await sql`update refresh_tokens set created_at = expires_at`.execute(db);
  await sql`insert into refresh_tokens (session_id, token_hash, created_at, expires_at, rotated_at)
      select id, refresh_token_hash, created_at, expires_at, null from auth_sessions where refresh_token_hash is not null`.execute(db);
  // MySQL names the table of the index it drops; SQLite refuses that.
  const dropIndex = db.schema.dropIndex('auth_sessions_refresh_token_hash_uq');
  await (db.getExecutor().adapter instanceof MysqlAdapter ? dropIndex.on('auth_sessions') : dropIndex).execute();
  await db.schema.alterTable('auth_sessions').dropColumn('refresh_token_hash').execute();
}
