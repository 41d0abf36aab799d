// Frozen: never edit a migration that has shipped; add a new one.
// A session holds its current refresh token (its hash and when it was issued), so a known user's
// sign-in writes one row: one INSERT, no transaction (it was BEGIN, the session, its refresh token
// in refresh_tokens, COMMIT). It only adds: the version before keeps working on the same database
// while both serve (a canary, a rollback by weight), and the tokens it issued stay in refresh_tokens,
// where this version still finds and rotates them; tokens rotated away are kept there as before.
// Neither database runs DDL in a transaction here, so each step may find itself already done (a run
// stopped half-way is simply run again). Run down() only once this version serves no traffic.
import { MysqlAdapter, sql } from 'kysely';
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

const INDEX = 'auth_sessions_refresh_token_hash_uq';

const isMysql = (db: MigrationDb): boolean => db.getExecutor().adapter instanceof MysqlAdapter;

async function sessionColumns(db: MigrationDb): Promise<string[]> {
  const tables = await db.introspection.getTables();
  return tables.find((table) => table.name === 'auth_sessions')?.columns.map((column) => column.name) ?? [];
}

export async function up(db: MigrationDb): Promise<void> {
  const columns = await sessionColumns(db);
  const t = columnTypes(db);
  if (isMysql(db)) {
    if (columns.includes('refresh_token_hash')) return;
    // One statement: MariaDB and MySQL apply an ALTER TABLE whole or not at all.
    await sql`alter table auth_sessions
        add column refresh_token_hash char(64) null,
        add column refresh_token_created_at ${t.timestamp} null,
        add unique index ${sql.raw(INDEX)} (refresh_token_hash)`.execute(db);
    return;
  }
  if (!columns.includes('refresh_token_created_at')) {
    await db.schema.alterTable('auth_sessions').addColumn('refresh_token_created_at', t.timestamp).execute();
  }
  if (!columns.includes('refresh_token_hash')) {
    await db.schema.alterTable('auth_sessions').addColumn('refresh_token_hash', 'char(64)').execute();
  }
  await db.schema.createIndex(INDEX).ifNotExists().on('auth_sessions').column('refresh_token_hash').unique().execute();
}

export async function down(db: MigrationDb): Promise<void> {
  const columns = await sessionColumns(db);
  if (columns.includes('refresh_token_hash') && columns.includes('refresh_token_created_at')) {
    // The sessions' current tokens go back to refresh_tokens, where the version before looks for
    // them (once: a run stopped half-way and run again finds them there).
    await sql`insert into refresh_tokens (session_id, token_hash, created_at, expires_at, rotated_at)
        select id, refresh_token_hash, refresh_token_created_at, expires_at, null from auth_sessions
        where refresh_token_hash is not null
          and not exists (select 1 from refresh_tokens where refresh_tokens.token_hash = auth_sessions.refresh_token_hash)`.execute(db);
  }
  if (isMysql(db)) {
    if (!columns.includes('refresh_token_hash')) return;
    await sql`alter table auth_sessions
        drop index ${sql.raw(INDEX)}, drop column refresh_token_hash, drop column refresh_token_created_at`.execute(db);
    return;
  }
  await db.schema.dropIndex(INDEX).ifExists().execute();
  for (const column of ['refresh_token_created_at', 'refresh_token_hash']) {
    if (columns.includes(column)) await db.schema.alterTable('auth_sessions').dropColumn(column).execute();
  }
}
