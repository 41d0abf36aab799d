/**
 * Orders, their lines and their history. Plain functions taking the database or a transaction
 * first; MySQL's dialect returns no rows from `returning()`, so inserts read back by id.
 */
import type { OrderCloseReason, OrderStatus } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Database, OrderItemRow, OrderRow } from '../../db/schema';

type Db = Kysely<Database>;

export interface NewOrder {
  userId: number;
  totalFen: number;
  idempotencyKey: string;
  requestHash: string;
  expiresAt: Date;
}

export async function insertOrder(db: Db, order: NewOrder, now: Date): Promise<number> {
  const result = await db
    .insertInto('orders')
    .values({
      user_id: order.userId,
      status: 'PENDING_PAYMENT',
      total_fen: order.totalFen,
      idempotency_key: order.idempotencyKey,
      request_hash: order.requestHash,
      created_at: now,
      expires_at: order.expiresAt,
      paid_at: null,
      refunded_at: null,
      closed_at: null,
      close_reason: null,
      updated_at: now,
    })
    .executeTakeFirstOrThrow();
  return Number(result.insertId);
}

export interface NewOrderItem {
  productId: number;
  title: string;
  unitPriceFen: number;
  quantity: number;
}

export async function insertOrderItems(db: Db, orderId: number, items: readonly NewOrderItem[]): Promise<void> {
  await db
    .insertInto('order_items')
    .values(
      items.map((item) => ({
        order_id: orderId,
        product_id: item.productId,
        title: item.title,
        unit_price_fen: item.unitPriceFen,
        quantity: item.quantity,
      })),
    )
    .execute();
}

export async function recordOrderEvent(
  db: Db,
  orderId: number,
  from: OrderStatus | null,
  to: OrderStatus,
  reason: string | null,
  now: Date,
): Promise<void> {
  await db.insertInto('order_events').values({ order_id: orderId, from_status: from, to_status: to, reason, created_at: now }).execute();
}

export async function findOrderById(db: Db, id: number): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOrderByKey(db: Db, userId: number, idempotencyKey: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('user_id', '=', userId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

/** A page of a user's orders, newest first; one row more than asked tells whether more follow. */
export async function listUserOrders(db: Db, userId: number, status: OrderStatus | undefined, beforeId: number | null, limit: number) {
  let query = db.selectFrom('orders').selectAll().where('user_id', '=', userId);
  if (status) query = query.where('status', '=', status);
  if (beforeId !== null) query = query.where('id', '<', beforeId);
  return query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

export async function findOrderItems(db: Db, orderIds: readonly number[]): Promise<OrderItemRow[]> {
  if (orderIds.length === 0) return [];
  return db.selectFrom('order_items').selectAll().where('order_id', 'in', orderIds).orderBy('id', 'asc').execute();
}

/**
 * PENDING_PAYMENT → CLOSED, only from that state (and, given a user, only their order): a guarded
 * update, so a cancel, the timeout sweeper and (later) a payment can race without a double close.
 * True when this call closed it.
 */
export async function closePendingOrder(db: Db, orderId: number, reason: OrderCloseReason, now: Date, userId?: number): Promise<boolean> {
  let update = db
    .updateTable('orders')
    .set({ status: 'CLOSED', closed_at: now, close_reason: reason, updated_at: now })
    .where('id', '=', orderId)
    .where('status', '=', 'PENDING_PAYMENT');
  if (userId !== undefined) update = update.where('user_id', '=', userId);
  const result = await update.executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * PENDING_PAYMENT → PAID, only from that state: the guarded update that makes a payment count
 * once however many notifications (and, later, queries) report it, and never on a closed order.
 * True when this call moved it.
 */
export async function markPendingOrderPaid(db: Db, orderId: number, paidAt: Date, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ status: 'PAID', paid_at: paidAt, updated_at: now })
    .where('id', '=', orderId)
    .where('status', '=', 'PENDING_PAYMENT')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** PAID → REFUNDING, only the user's own paid order, once: true when this call moved it. */
export async function markPaidOrderRefunding(db: Db, orderId: number, userId: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ status: 'REFUNDING', updated_at: now })
    .where('id', '=', orderId)
    .where('user_id', '=', userId)
    .where('status', '=', 'PAID')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** REFUNDING → REFUNDED, once however many times WeChat Pay says so: true when this call moved it. */
export async function markRefundingOrderRefunded(db: Db, orderId: number, refundedAt: Date, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ status: 'REFUNDED', refunded_at: refundedAt, updated_at: now })
    .where('id', '=', orderId)
    .where('status', '=', 'REFUNDING')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
