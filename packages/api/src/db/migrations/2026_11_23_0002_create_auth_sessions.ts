// Frozen: never edit a migration that has shipped; add a new one.
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  // One row per sign-in. The refresh tokens of a session form its rotation family: revoking the
  // session (logout, reuse detected) ends all of them and its access tokens.
  await db.schema
    .createTable('auth_sessions')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('user_id', t.id, (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_key_ciphertext', 'varchar(255)', (col) => col.notNull())
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('expires_at', t.timestamp, (col) => col.notNull())
    .addColumn('revoked_at', t.timestamp)
    .addColumn('revoked_reason', 'varchar(32)')
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('auth_sessions_user_id_idx').on('auth_sessions').column('user_id').execute();
  await db.schema.createIndex('auth_sessions_revoked_at_idx').on('auth_sessions').column('revoked_at').execute();

  // Only a SHA-256 of each refresh token is stored: a database leak yields no usable token.
  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('session_id', 'varchar(36)', (col) => col.notNull().references('auth_sessions.id').onDelete('cascade'))
    .addColumn('token_hash', 'char(64)', (col) => col.notNull().unique())
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('expires_at', t.timestamp, (col) => col.notNull())
    .addColumn('rotated_at', t.timestamp)
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('refresh_tokens_session_id_idx').on('refresh_tokens').column('session_id').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('refresh_tokens').execute();
  await db.schema.dropTable('auth_sessions').execute();
}
