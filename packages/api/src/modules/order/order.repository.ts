/**
 * Orders, their lines and their history. Plain functions taking the database or a transaction
 * first; MySQL's dialect returns no rows from `returning()`, so inserts read back by id.
 */
import type { OrderStatus } from '@app/shared';
import type { Kysely, Updateable } from 'kysely';
import type { Database, OrderItemRow, OrderRow, OrdersTable } from '../../db/schema';

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

/** What a move may write besides the status. */
type OrderMoveFields = Pick<Updateable<OrdersTable>, 'paid_at' | 'refunded_at' | 'closed_at' | 'close_reason'>;

/**
 * Moves an order `from` one state `to` another, only from that state (and, given a user, only
 * their order), with its order_events row: the guarded update that lets a cancel, the sweeper,
 * notifications and queries race without a double move (a payment counts once, a closed order is
 * never paid here, a refund finishes once). True when this call moved it.
 */
export async function moveOrder(
  db: Db,
  move: { orderId: number; from: OrderStatus; to: OrderStatus; reason: string; userId?: number; set?: OrderMoveFields },
  now: Date,
): Promise<boolean> {
  let update = db
    .updateTable('orders')
    .set({ ...move.set, status: move.to, updated_at: now })
    .where('id', '=', move.orderId)
    .where('status', '=', move.from);
  if (move.userId !== undefined) update = update.where('user_id', '=', move.userId);
  if ((await update.executeTakeFirst()).numUpdatedRows !== 1n) return false;
  await recordOrderEvent(db, move.orderId, move.from, move.to, move.reason, now);
  return true;
}
