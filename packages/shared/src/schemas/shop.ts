/**
 * The reference shop's contracts: the catalog and orders. Money is always an integer number of
 * fen (分); only formatFen turns it into text, for display.
 */
import * as z from 'zod/mini';
import '../zod';

/** An amount in fen: a whole number, never negative. */
export const fenSchema = z.int().check(z.minimum(0));

/** ¥12.50 from 1250: what every price on screen goes through (no floating point on the way). */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const cents = String(abs % 100);
  return `${sign}¥${Math.floor(abs / 100)}.${cents.length === 1 ? `0${cents}` : cents}`;
}

const id = z.int().check(z.positive());
const pageLimit = z._default(z.int().check(z.minimum(1), z.maximum(50)), 20);
/** A page's position: the last id of the previous page; absent for the first page. */
const cursor = z.optional(z.nullable(id));

export const productSchema = z.object({
  id,
  title: z.string(),
  description: z.string(),
  priceFen: fenSchema,
  stock: z.int().check(z.minimum(0)),
  /** A server path (`/uploads/…`, resolve it with assetUrl) or an absolute URL; null: no picture. */
  imageUrl: z.nullable(z.string()),
  onShelf: z.boolean(),
});
export type Product = z.infer<typeof productSchema>;

export const productListInputSchema = z.object({ cursor, limit: pageLimit });
export type ProductListInput = z.input<typeof productListInputSchema>;
export const productListSchema = z.object({ items: z.array(productSchema), nextCursor: z.nullable(id) });
export type ProductList = z.infer<typeof productListSchema>;

export const productIdInputSchema = z.object({ id });

/** At most this many of one product in an order, and this many lines in one order. */
export const MAX_ITEM_QUANTITY = 99;
export const MAX_ORDER_LINES = 20;

export const orderItemInputSchema = z.object({
  productId: id,
  quantity: z
    .int()
    .check(
      z.minimum(1, { message: '数量至少为 1' }),
      z.maximum(MAX_ITEM_QUANTITY, { message: `单件商品最多购买 ${MAX_ITEM_QUANTITY} 件` }),
    ),
});
export type OrderItemInput = z.infer<typeof orderItemInputSchema>;

/**
 * One per checkout attempt, made by the client and sent again on every retry of that attempt:
 * the server answers a repeat with the order it already made.
 */
export const idempotencyKeySchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{16,64}$/, { message: '请求标识无效' }));

export const createOrderInputSchema = z.object({
  items: z.array(orderItemInputSchema).check(
    z.minLength(1, { message: '请选择商品' }),
    z.maxLength(MAX_ORDER_LINES, { message: `一个订单最多 ${MAX_ORDER_LINES} 种商品` }),
    z.refine((items) => new Set(items.map((item) => item.productId)).size === items.length, { message: '同一商品请合并数量' }),
  ),
  idempotencyKey: idempotencyKeySchema,
});
export type CreateOrderInput = z.infer<typeof createOrderInputSchema>;

/**
 * PENDING_PAYMENT → PAID, or → CLOSED (cancelled, or not paid in time); PAID → REFUNDING (a
 * refund asked of WeChat Pay) → REFUNDED (WeChat Pay says the money is back).
 */
export const ORDER_STATUSES = ['PENDING_PAYMENT', 'PAID', 'CLOSED', 'REFUNDING', 'REFUNDED'] as const;
export const orderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

export const ORDER_CLOSE_REASONS = ['CANCELLED', 'TIMEOUT'] as const;
export const orderCloseReasonSchema = z.enum(ORDER_CLOSE_REASONS);
export type OrderCloseReason = z.infer<typeof orderCloseReasonSchema>;

export const orderItemSchema = z.object({
  productId: id,
  /** The title and price when the order was made: later catalog edits do not change the order. */
  title: z.string(),
  unitPriceFen: fenSchema,
  quantity: z.int().check(z.positive()),
  subtotalFen: fenSchema,
});
export type OrderItem = z.infer<typeof orderItemSchema>;

export const orderSchema = z.object({
  id,
  status: orderStatusSchema,
  totalFen: fenSchema,
  items: z.array(orderItemSchema),
  createdAt: z.date(),
  /** When an unpaid order closes by itself. */
  expiresAt: z.date(),
  paidAt: z.nullable(z.date()),
  /** When WeChat Pay finished the refund (REFUNDED). */
  refundedAt: z.nullable(z.date()),
  closedAt: z.nullable(z.date()),
  closeReason: z.nullable(orderCloseReasonSchema),
});
export type Order = z.infer<typeof orderSchema>;

export const orderListInputSchema = z.object({ status: z.optional(orderStatusSchema), cursor, limit: pageLimit });
export type OrderListInput = z.input<typeof orderListInputSchema>;
export const orderListSchema = z.object({ items: z.array(orderSchema), nextCursor: z.nullable(id) });
export type OrderList = z.infer<typeof orderListSchema>;

export const orderIdInputSchema = z.object({ id });

/** zh-CN names of the states, for tabs and badges. */
export const ORDER_STATUS_LABELS: Record<OrderStatus, string> = {
  PENDING_PAYMENT: '待支付',
  PAID: '已支付',
  CLOSED: '已关闭',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
};
