// Frozen: never edit a migration that has shipped; add a new one.
// Refunds through WeChat Pay: one full refund per order (its out_refund_no derives from the order
// id, so every retry names the same refund), and when an order's refund finished.
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('refunds')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('order_id', t.id, (col) => col.notNull().references('orders.id').onDelete('cascade'))
    // 1 to 64 characters of [0-9A-Za-z_-|*@] (WeChat Pay's rule).
    .addColumn('out_refund_no', 'varchar(64)', (col) => col.notNull())
    .addColumn('out_trade_no', 'varchar(32)', (col) => col.notNull())
    .addColumn('amount_fen', 'integer', (col) => col.notNull())
    .addColumn('reason', 'varchar(80)')
    // REQUESTED (not yet accepted by WeChat Pay), PROCESSING, SUCCESS, CLOSED, ABNORMAL (WeChat Pay's).
    .addColumn('status', 'varchar(20)', (col) => col.notNull())
    .addColumn('refund_id', 'varchar(32)')
    .addColumn('succeeded_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('updated_at', t.timestamp, (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('refunds_order_id_uq').on('refunds').column('order_id').unique().execute();
  await db.schema.createIndex('refunds_out_refund_no_uq').on('refunds').column('out_refund_no').unique().execute();
  await db.schema.alterTable('orders').addColumn('refunded_at', t.timestamp).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('orders').dropColumn('refunded_at').execute();
  await db.schema.dropTable('refunds').execute();
}
