// Frozen: never edit a migration that has shipped; add a new one.
// Durable jobs (an outbox): written in the same transaction as what causes them, run at least
// once by whichever instance claims them, retried with backoff.
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('jobs')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('kind', 'varchar(64)', (col) => col.notNull())
    .addColumn('payload', 'varchar(1024)', (col) => col.notNull())
    // PENDING (to run at run_at; a claimed job's run_at is its lease), DONE, FAILED (given up).
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('run_at', t.timestamp, (col) => col.notNull())
    .addColumn('last_error', 'varchar(255)')
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('updated_at', t.timestamp, (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('jobs_status_run_at_idx').on('jobs').columns(['status', 'run_at']).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('jobs').execute();
}
