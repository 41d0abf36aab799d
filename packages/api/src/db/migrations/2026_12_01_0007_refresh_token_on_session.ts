// Frozen: never edit a migration that has shipped; add a new one.
// A session holds its current refresh token (its hash and when it was issued), so a known user's
// sign-in writes one row: one INSERT, no transaction (it was BEGIN, the session, its refresh token
// in refresh_tokens, COMMIT). It only adds: the version before keeps working on the same database
// while both serve (a canary, a rollback by weight), and the tokens it issued stay in refresh_tokens,
// where this version still finds and rotates them; tokens rotated away are kept there as before.
import { MysqlAdapter, sql } from 'kysely';
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema.alterTable('auth_sessions').addColumn('refresh_token_hash', 'char(64)').execute();
  await db.schema.alterTable('auth_sessions').addColumn('refresh_token_created_at', t.timestamp).execute();
  await db.schema.createIndex('auth_sessions_refresh_token_hash_uq').on('auth_sessions').column('refresh_token_hash').unique().execute();
}

export async function down(db: MigrationDb): Promise<void> {
  // The sessions' current tokens go back to refresh_tokens, where the version before looks for them.
  await sql`insert into refresh_tokens (session_id, token_hash, created_at, expires_at, rotated_at)
      select id, refresh_token_hash, refresh_token_created_at, expires_at, null from auth_sessions
      where refresh_token_hash is not null`.execute(db);
  // MySQL names the table of the index it drops; SQLite refuses that.
  const dropIndex = db.schema.dropIndex('auth_sessions_refresh_token_hash_uq');
  await (db.getExecutor().adapter instanceof MysqlAdapter ? dropIndex.on('auth_sessions') : dropIndex).execute();
  await db.schema.alterTable('auth_sessions').dropColumn('refresh_token_created_at').execute();
  await db.schema.alterTable('auth_sessions').dropColumn('refresh_token_hash').execute();
}
