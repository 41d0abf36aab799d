// Frozen: never edit a migration that has shipped; add a new one.
// WeChat Pay: one payment per order (its out_trade_no derives from the order id), the prepay id
// with its expiry (reused while valid), and what WeChat Pay confirmed.
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('payments')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('order_id', t.id, (col) => col.notNull().references('orders.id').onDelete('cascade'))
    // 6 to 32 characters of [0-9A-Za-z_-|*] (WeChat Pay's rule).
    .addColumn('out_trade_no', 'varchar(32)', (col) => col.notNull())
    .addColumn('mch_id', 'varchar(32)', (col) => col.notNull())
    .addColumn('amount_fen', 'integer', (col) => col.notNull())
    // PREPARED (a prepay exists), SUCCESS (WeChat Pay confirmed), REFUND_NEEDED (paid after the order closed).
    .addColumn('status', 'varchar(20)', (col) => col.notNull())
    .addColumn('prepay_id', 'varchar(64)')
    .addColumn('prepay_expires_at', t.timestamp)
    .addColumn('transaction_id', 'varchar(32)')
    .addColumn('paid_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('updated_at', t.timestamp, (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('payments_order_id_uq').on('payments').column('order_id').unique().execute();
  await db.schema.createIndex('payments_out_trade_no_uq').on('payments').column('out_trade_no').unique().execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('payments').execute();
}
