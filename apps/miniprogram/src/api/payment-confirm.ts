/**
 * pay.confirm on a schedule, while the order waits for WeChat Pay's word. Back from the cashier
 * the order is 支付中 until the server says PAID: WeChat Pay's notification usually arrives within
 * a second or two, and pay.confirm (the active query) finds a payment whose notification is late.
 * A refund is the same wait the other way (退款中 until REFUNDED, pay.confirm asking about the
 * refund), so it uses the same schedule with another `settled`; right after 申请退款 it skips the
 * call at once (REFUND_REQUESTED_DELAYS_MS). So: pay.confirm at once, then after 1, 2, 4, 8 and
 * 15 s (30 s in all, six calls: well within the server's 12 per user per minute), stopping as soon
 * as the order is settled. A failed call (network, rate limit) is just one try less.
 */
import type { Order } from '@app/shared';

/** Waits before each pay.confirm: at once, then 1 s, 2 s, 4 s, 8 s, 15 s (30 s in all). */
export const CONFIRM_DELAYS_MS: readonly number[] = [0, 1_000, 2_000, 4_000, 8_000, 15_000];

/**
 * Right after pay.refund answered 退款中: the server's job has yet to ask WeChat Pay for the refund,
 * so there is nothing to ask about at once; the schedule from its first wait (1 s).
 */
export const REFUND_REQUESTED_DELAYS_MS: readonly number[] = CONFIRM_DELAYS_MS.slice(1);

/** After the cashier: settled once the order is no longer pending (PAID, or CLOSED meanwhile). */
export const paymentSettled = (order: Order): boolean => order.status !== 'PENDING_PAYMENT';

/** After 申请退款: settled once the refund is no longer on its way (REFUNDED). */
export const refundSettled = (order: Order): boolean => order.status !== 'REFUNDING';

export interface ConfirmLoopOptions {
  /** pay.confirm for the order. */
  confirm: () => Promise<Order>;
  /** Whether an answer ends the wait; paymentSettled unless told. */
  settled?: (order: Order) => boolean;
  /** Each answer, as it comes (the page shows it). */
  onOrder?: (order: Order) => void;
  /** True once the page is gone: no further call. */
  stopped?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
  /** CONFIRM_DELAYS_MS unless told. */
  delays?: readonly number[] | undefined;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Asks until the order is settled, or the schedule ends, or the page is gone; the last order the
 * server answered with (null when every call failed).
 */
export async function confirmUntilSettled(options: ConfirmLoopOptions): Promise<Order | null> {
  const { confirm, settled = paymentSettled, onOrder, stopped = () => false, sleep = defaultSleep, delays = CONFIRM_DELAYS_MS } = options;
  let order: Order | null = null;
  for (const delay of delays) {
    if (delay > 0) await sleep(delay);
    if (stopped()) break;
    try {
      order = await confirm();
    } catch {
      continue;
    }
    onOrder?.(order);
    if (settled(order)) break;
  }
  return order;
}
