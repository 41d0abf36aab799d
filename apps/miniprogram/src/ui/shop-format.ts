/**
 * How the shop reads on screen (zh-CN): prices from fen, stock, order states, and the countdown
 * to an unpaid order's automatic close. Prices shown before an order exists are for display only:
 * the order's total is the server's.
 */
import { formatFen, ORDER_STATUS_LABELS, type Order, type OrderItem } from '@app/shared';

/** ¥136.00 for two at ¥68.00: what a line will cost, in integer fen all the way. */
export function lineTotalText(unitPriceFen: number, quantity: number): string {
  return formatFen(unitPriceFen * quantity);
}

/** 库存 40 件 · 仅剩 3 件 · 已售罄. */
export function stockText(stock: number): string {
  if (stock <= 0) return '已售罄';
  if (stock <= 5) return `仅剩 ${stock} 件`;
  return `库存 ${stock} 件`;
}

/** 待支付 · 已支付 · 已关闭 · 退款中 · 已退款: the same words as the tabs of 我的订单. */
export function orderStatusText(order: Pick<Order, 'status'>): string {
  return ORDER_STATUS_LABELS[order.status];
}

/** Why a closed order closed (已取消 · 超时未支付); null for an order that is not closed. */
export function closeReasonText(order: Pick<Order, 'status' | 'closeReason'>): string | null {
  if (order.status !== 'CLOSED') return null;
  if (order.closeReason === 'CANCELLED') return '已取消';
  if (order.closeReason === 'TIMEOUT') return '超时未支付';
  return null;
}

/** 「云南小粒咖啡豆 250g」 or 「云南小粒咖啡豆 250g」等 3 件商品, for an order in a list. */
export function orderItemsSummary(items: readonly Pick<OrderItem, 'title' | 'quantity'>[]): string {
  const first = items[0];
  if (!first) return '（无商品）';
  const count = items.reduce((sum, item) => sum + item.quantity, 0);
  return items.length > 1 ? `${first.title} 等 ${count} 件商品` : `${first.title} × ${first.quantity}`;
}

/** Milliseconds until `deadline`, never below 0. */
export function remainingMs(deadline: Date, now: number): number {
  return Math.max(0, deadline.getTime() - now);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * 14:59, or 1:05:00 past an hour. Whole seconds rounded up, so it reads 00:00 exactly when the
 * time is up, not a second before.
 */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
}

/** How long until the countdown's text changes: to the next whole second of what remains. */
export function nextTickMs(ms: number): number {
  if (ms <= 0) return 0;
  return ms % 1000 || 1000;
}
