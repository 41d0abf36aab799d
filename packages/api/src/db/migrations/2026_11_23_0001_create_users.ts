// Frozen: never edit a migration that has shipped; add a new one.
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('users')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('openid', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('unionid', 'varchar(64)')
    .addColumn('nickname', 'varchar(64)')
    .addColumn('avatar_url', 'varchar(512)')
    .addColumn('phone', 'varchar(32)')
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('updated_at', t.timestamp, (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('users_unionid_idx').on('users').column('unionid').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('users').execute();
}
