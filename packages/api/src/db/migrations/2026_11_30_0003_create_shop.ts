// Frozen: never edit a migration that has shipped; add a new one.
// The reference shop: products, orders, their lines and their history. Amounts are integers (fen).
import { sql } from 'kysely';
import { columnTypes, type MigrationDb } from './2026_11_23_column_types';

export async function up(db: MigrationDb): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('products')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('title', 'varchar(64)', (col) => col.notNull())
    .addColumn('description', 'varchar(512)', (col) => col.notNull().defaultTo(''))
    .addColumn('price_fen', 'integer', (col) => col.notNull())
    // Never below zero: orders reserve with `stock = stock - n where stock >= n`.
    .addColumn('stock', 'integer', (col) => col.notNull().check(sql`stock >= 0`))
    .addColumn('image_url', 'varchar(512)')
    .addColumn('on_shelf', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('updated_at', t.timestamp, (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  // The catalog's pages: on-shelf products by id.
  await db.schema.createIndex('products_on_shelf_id_idx').on('products').columns(['on_shelf', 'id']).execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('user_id', t.id, (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'varchar(20)', (col) => col.notNull())
    .addColumn('total_fen', 'integer', (col) => col.notNull())
    .addColumn('idempotency_key', 'varchar(64)', (col) => col.notNull())
    .addColumn('request_hash', 'char(64)', (col) => col.notNull())
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .addColumn('expires_at', t.timestamp, (col) => col.notNull())
    .addColumn('paid_at', t.timestamp)
    .addColumn('closed_at', t.timestamp)
    .addColumn('close_reason', 'varchar(16)')
    .addColumn('updated_at', t.timestamp, (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  // One order per user and key, also under concurrent duplicates: the database decides.
  await db.schema.createIndex('orders_user_idempotency_key_uq').on('orders').columns(['user_id', 'idempotency_key']).unique().execute();
  // A user's orders, newest first, all or by status.
  await db.schema.createIndex('orders_user_id_idx').on('orders').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('orders_user_status_id_idx').on('orders').columns(['user_id', 'status', 'id']).execute();
  // The sweeper's question: unpaid orders past their time.
  await db.schema.createIndex('orders_status_expires_at_idx').on('orders').columns(['status', 'expires_at']).execute();

  await db.schema
    .createTable('order_items')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('order_id', t.id, (col) => col.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('product_id', t.id, (col) => col.notNull().references('products.id'))
    .addColumn('title', 'varchar(64)', (col) => col.notNull())
    .addColumn('unit_price_fen', 'integer', (col) => col.notNull())
    .addColumn('quantity', 'integer', (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('order_items_order_id_idx').on('order_items').column('order_id').execute();

  await db.schema
    .createTable('order_events')
    .addColumn('id', t.id, (col) => col.primaryKey().autoIncrement())
    .addColumn('order_id', t.id, (col) => col.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('from_status', 'varchar(20)')
    .addColumn('to_status', 'varchar(20)', (col) => col.notNull())
    .addColumn('reason', 'varchar(32)')
    .addColumn('created_at', t.timestamp, (col) => col.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('order_events_order_id_idx').on('order_events').column('order_id').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('order_events').execute();
  await db.schema.dropTable('order_items').execute();
  await db.schema.dropTable('orders').execute();
  await db.schema.dropTable('products').execute();
}
