/**
 * Orders: made once per checkout attempt, with the stock they take reserved in the same
 * transaction, closed exactly once (cancelled, or unpaid in time) with their stock returned.
 */
import { createHash } from 'node:crypto';
import type { CreateOrderInput, Order, OrderList, OrderListInput } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock';
import { isUniqueViolation, retryOnDeadlock } from '../../db/dialect';
import type { Database, OrderItemRow, OrderRow } from '../../db/schema';
import { AppError } from '../../errors';
import { enqueueJob } from '../../jobs/job-queue';
import type { Telemetry } from '../../telemetry';
import { findProductsByIds, returnStock, takeStock } from '../catalog/catalog.repository';
import {
  findOrderById,
  findOrderByKey,
  findOrderItems,
  insertOrder,
  insertOrderItems,
  listUserOrders,
  moveOrder,
  recordOrderEvent,
  type NewOrderItem,
} from './order.repository';

/** The job an order's becoming PAID leaves behind (what follows a payment: the user's message). */
export const ORDER_PAID_JOB = 'order.paid';

export interface OrderSettings {
  /** An order not paid within this long closes by itself and gives its stock back. */
  paymentTimeoutMinutes: number;
}

export interface OrderDeps {
  db: Kysely<Database>;
  clock: Clock;
  orders: OrderSettings;
  /** Told of each order made or closed here, once its transaction committed. */
  telemetry: Telemetry;
}

function toOrder(row: OrderRow, items: readonly OrderItemRow[]): Order {
  return {
    id: row.id,
    status: row.status,
    totalFen: row.total_fen,
    items: items.map((item) => ({
      productId: item.product_id,
      title: item.title,
      unitPriceFen: item.unit_price_fen,
      quantity: item.quantity,
      subtotalFen: item.unit_price_fen * item.quantity,
    })),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    paidAt: row.paid_at,
    refundedAt: row.refunded_at,
    closedAt: row.closed_at,
    closeReason: row.close_reason,
  };
}

export async function loadOrder(db: Kysely<Database>, row: OrderRow): Promise<Order> {
  return toOrder(row, await findOrderItems(db, [row.id]));
}

/** What identifies a checkout's request: its lines, in product order. */
function requestHashOf(items: CreateOrderInput['items']): string {
  const lines = [...items].sort((a, b) => a.productId - b.productId).map((item) => [item.productId, item.quantity]);
  return createHash('sha256').update(JSON.stringify(lines)).digest('hex');
}

/** A repeat of a key: the same order when the request is the same, else a coded 409. */
async function repeatOf(db: Kysely<Database>, existing: OrderRow, requestHash: string): Promise<Order> {
  if (existing.request_hash !== requestHash) throw new AppError('IDEMPOTENCY_KEY_REUSED');
  return loadOrder(db, existing);
}

export async function createOrder(deps: OrderDeps, userId: number, input: CreateOrderInput): Promise<Order> {
  const { db } = deps;
  const requestHash = requestHashOf(input.items);
  const already = await findOrderByKey(db, userId, input.idempotencyKey);
  if (already) return repeatOf(db, already, requestHash);

  // Product order: every transaction takes the products' row locks in the same order, so two
  // orders for the same products wait for each other instead of deadlocking.
  const lines = input.items.map((item, index) => ({ ...item, index })).sort((a, b) => a.productId - b.productId);
  try {
    // The sweeper closes a batch of orders in one transaction, each giving its stock back: across
    // orders, its product locks come in no fixed order, and InnoDB may pick this transaction as a
    // deadlock's victim. Rolled back whole, it is run again.
    const orderId = await retryOnDeadlock(() =>
      db.transaction().execute(async (trx) => {
        const now = deps.clock.now();
        const products = new Map(
          (
            await findProductsByIds(
              trx,
              lines.map((line) => line.productId),
            )
          ).map((row) => [row.id, row]),
        );
        const items: NewOrderItem[] = [];
        for (const line of lines) {
          const product = products.get(line.productId);
          const path = `items.${line.index}.productId`;
          if (!product) throw new AppError('PRODUCT_NOT_FOUND', { issues: [{ path, message: `商品 ${line.productId} 不存在` }] });
          if (product.on_shelf !== 1)
            throw new AppError('PRODUCT_OFF_SHELF', { issues: [{ path, message: `「${product.title}」已下架` }] });
          items.push({ productId: product.id, title: product.title, unitPriceFen: product.price_fen, quantity: line.quantity });
        }
        // The total is the server's: the snapshot prices times the quantities, never a client's number.
        const totalFen = items.reduce((sum, item) => sum + item.unitPriceFen * item.quantity, 0);
        // The order row first: a concurrent duplicate of this key waits here on the unique index and
        // then fails, before it has touched any stock.
        const id = await insertOrder(
          trx,
          {
            userId,
            totalFen,
            idempotencyKey: input.idempotencyKey,
            requestHash,
            expiresAt: new Date(now.getTime() + deps.orders.paymentTimeoutMinutes * 60_000),
          },
          now,
        );
        for (const line of lines) {
          if (!(await takeStock(trx, line.productId, line.quantity, now))) {
            const title = products.get(line.productId)?.title ?? String(line.productId);
            // Thrown inside the transaction: everything above is rolled back, nothing half-made stays.
            throw new AppError('OUT_OF_STOCK', { issues: [{ path: `items.${line.index}.quantity`, message: `「${title}」库存不足` }] });
          }
        }
        await insertOrderItems(trx, id, items);
        await recordOrderEvent(trx, id, null, 'PENDING_PAYMENT', 'CREATED', now);
        return id;
      }),
    );
    deps.telemetry.orderTransition('PENDING_PAYMENT', 'CREATED');
    const row = await findOrderById(db, orderId);
    if (!row) throw new Error(`order ${orderId} vanished after its commit`);
    return loadOrder(db, row);
  } catch (error) {
    // A concurrent duplicate committed first: answer with its order.
    if (isUniqueViolation(error)) {
      const existing = await findOrderByKey(db, userId, input.idempotencyKey);
      if (existing) return repeatOf(db, existing, requestHash);
    }
    throw error;
  }
}

/** Another user's order is "not found": its existence is none of the caller's business. */
export async function ownOrder(db: Kysely<Database>, userId: number, orderId: number): Promise<OrderRow> {
  const row = await findOrderById(db, orderId);
  if (!row || row.user_id !== userId) throw new AppError('ORDER_NOT_FOUND');
  return row;
}

export async function getOrder({ db }: Pick<OrderDeps, 'db'>, userId: number, orderId: number): Promise<Order> {
  return loadOrder(db, await ownOrder(db, userId, orderId));
}

export async function listOrders(
  { db }: Pick<OrderDeps, 'db'>,
  userId: number,
  input: OrderListInput & { limit: number },
): Promise<OrderList> {
  const rows = await listUserOrders(db, userId, input.status, input.cursor ?? null, input.limit);
  const page = rows.slice(0, input.limit);
  const items = await findOrderItems(
    db,
    page.map((row) => row.id),
  );
  const itemsByOrder = new Map<number, OrderItemRow[]>();
  for (const item of items) itemsByOrder.set(item.order_id, [...(itemsByOrder.get(item.order_id) ?? []), item]);
  return {
    items: page.map((row) => toOrder(row, itemsByOrder.get(row.id) ?? [])),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/**
 * Closes a pending order and gives its stock back, inside the caller's transaction. False when
 * the order was not pending (already closed or paid: someone else got there first).
 */
export async function closeOrder(
  trx: Kysely<Database>,
  orderId: number,
  reason: 'CANCELLED' | 'TIMEOUT',
  now: Date,
  userId?: number,
): Promise<boolean> {
  const move = { orderId, from: 'PENDING_PAYMENT', to: 'CLOSED', reason, userId, set: { closed_at: now, close_reason: reason } } as const;
  if (!(await moveOrder(trx, move, now))) return false;
  const items = await findOrderItems(trx, [orderId]);
  for (const item of [...items].sort((a, b) => a.product_id - b.product_id)) await returnStock(trx, item.product_id, item.quantity, now);
  return true;
}

/**
 * Marks a pending order paid, inside the caller's transaction, with its event. False when the
 * order was not pending (paid already by an earlier notification, or closed): no second effect.
 * `source` says what proved the payment: a verified notification, or WeChat Pay's verified
 * answer to our query (pay.confirm).
 */
export async function markOrderPaid(
  trx: Kysely<Database>,
  orderId: number,
  paidAt: Date,
  now: Date,
  source: 'WECHATPAY_NOTIFY' | 'WECHATPAY_QUERY',
): Promise<boolean> {
  if (!(await moveOrder(trx, { orderId, from: 'PENDING_PAYMENT', to: 'PAID', reason: source, set: { paid_at: paidAt } }, now)))
    return false;
  // In the same transaction: the job exists exactly when the order became PAID (once).
  await enqueueJob(trx, ORDER_PAID_JOB, { orderId }, now);
  return true;
}

/**
 * Cancelling a closed order again answers with it; a paid one cannot be cancelled here.
 * `afterClose` runs once this call closed the order, after its transaction committed (the order
 * router closes the trade at WeChat Pay there).
 */
export async function cancelOrder(
  deps: OrderDeps,
  userId: number,
  orderId: number,
  afterClose?: (orderId: number) => Promise<void>,
): Promise<Order> {
  await ownOrder(deps.db, userId, orderId);
  // A deadlock with the sweeper (createOrder says why) rolls it back whole: run again.
  const closed = await retryOnDeadlock(() =>
    deps.db.transaction().execute((trx) => closeOrder(trx, orderId, 'CANCELLED', deps.clock.now(), userId)),
  );
  if (closed) deps.telemetry.orderTransition('CLOSED', 'CANCELLED');
  if (closed && afterClose) await afterClose(orderId);
  const row = await ownOrder(deps.db, userId, orderId);
  // Paid (or refunding, or refunded): not cancellable; a paid order's money goes back by refund.
  if (row.status !== 'CLOSED') throw new AppError('ORDER_STATE_CONFLICT');
  return loadOrder(deps.db, row);
}
