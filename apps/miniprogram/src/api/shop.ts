/**
 * The shop's calls, over the app's one client: the catalog (public: browsing needs no sign-in)
 * and the signed-in user's orders, their payment and their refund. Orders this app makes, cancels,
 * pays or refunds are counted (orderChanges), so a list shown before a change reloads when the user
 * comes back to it, and only then.
 */
import type { Order, OrderItemInput, OrderList, OrderStatus, Product, ProductList, RequestPaymentParams } from '@app/shared';
import type { CheckoutAttempt } from './checkout-attempt';
import { api } from './client';

/** Ten products or orders a page: more than one phone screen, so reaching the bottom means scrolling. */
export const SHOP_PAGE_SIZE = 10;

export function listProducts(cursor: number | null, signal: AbortSignal): Promise<ProductList> {
  return api.catalog.list.query({ cursor, limit: SHOP_PAGE_SIZE }, { signal });
}

export function getProduct(id: number, signal: AbortSignal): Promise<Product> {
  return api.catalog.get.query({ id }, { signal });
}

export function listOrders(status: OrderStatus | undefined, cursor: number | null, signal: AbortSignal): Promise<OrderList> {
  return api.order.list.query({ ...(status ? { status } : {}), cursor, limit: SHOP_PAGE_SIZE }, { signal });
}

export function getOrder(id: number, signal: AbortSignal): Promise<Order> {
  return api.order.get.query({ id }, { signal });
}

let changes = 0;

/** How many orders this app has made, cancelled, seen paid or refunded since it launched. */
export const orderChanges = {
  get count(): number {
    return changes;
  },
};

/** Places the order of a checkout attempt, with the attempt's idempotency key (checkout-attempt.ts). */
export async function placeOrder(attempt: CheckoutAttempt, items: OrderItemInput[]): Promise<Order> {
  const order = await attempt.submit(items, (input) => api.order.create.mutate(input));
  changes += 1;
  return order;
}

export async function cancelOrder(id: number): Promise<Order> {
  const order = await api.order.cancel.mutate({ id });
  changes += 1;
  return order;
}

/** wx.requestPayment's parameters for a pending order (pay.prepare). */
export function preparePayment(orderId: number): Promise<RequestPaymentParams> {
  return api.pay.prepare.mutate({ orderId });
}

/**
 * The order, after the server asked WeChat Pay about it (pay.confirm): about its payment, back from
 * the cashier, or about its refund, while 退款中. A change once the order has `reached` the status
 * waited for.
 */
export async function confirmOrder(orderId: number, reached: 'PAID' | 'REFUNDED'): Promise<Order> {
  const order = await api.pay.confirm.mutate({ orderId });
  if (order.status === reached) changes += 1;
  return order;
}

/**
 * 申请退款: the whole amount of a paid order back the way it was paid (pay.refund). The answer is
 * REFUNDING: WeChat Pay finishes the refund a little later (confirmOrder follows it).
 */
export async function requestRefund(orderId: number): Promise<Order> {
  const order = await api.pay.refund.mutate({ orderId });
  changes += 1;
  return order;
}
