/**
 * 申请退款 on 订单详情, for a paid order: a confirmation (the whole amount goes back the way it was
 * paid), pay.refund, and then, while the order is 退款中, pay.confirm on the payment's schedule
 * (api/payment-confirm.ts) until the server says REFUNDED: the server asks WeChat Pay about the
 * refund, whose notification usually comes within seconds (a bank card may take days, hence
 * 刷新退款结果 once the schedule ends). Right after pay.refund the first call waits a second (the
 * server has yet to ask WeChat Pay for the refund). A page opened on an order already 退款中
 * follows it the same way, once, asking at once.
 */
import { formatFen, type Order } from '@app/shared';
import Taro from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';
import { REFUND_REQUESTED_DELAYS_MS, refundSettled } from '../../../api/payment-confirm';
import { confirmOrder, requestRefund } from '../../../api/shop';
import { appCodeOf } from '../../../errors/app-error';
import { toastSuccess } from '../../../platform/toast';
import { toastError } from '../../../ui/toast-error';
import { useConfirmation } from './use-confirmation';

export type RefundState =
  | { kind: 'idle' }
  /** pay.refund on its way: the button is busy. */
  | { kind: 'requesting' }
  /** 退款中, asking the server on the schedule. */
  | { kind: 'confirming' }
  /** The schedule ended and the refund is still on its way: 刷新退款结果. */
  | { kind: 'unconfirmed' };

/** The line under the status (zh-CN) of an order being or having been refunded, or null. */
export function refundNoteText(order: Pick<Order, 'status'>, state: RefundState): string | null {
  if (order.status === 'REFUNDING') {
    return state.kind === 'unconfirmed' ? '退款处理中，款项将原路退回，到账时间以微信支付为准' : '退款已提交，正在等待微信支付处理…';
  }
  if (order.status === 'REFUNDED') return '款项已原路退回';
  return null;
}

/** The confirmation's text: how much, and where it goes. */
export function refundConfirmText(order: Pick<Order, 'totalFen'>): string {
  return `${formatFen(order.totalFen)} 将全额原路退回你的支付账户，确定申请退款吗？`;
}

export function useRefund(order: Order, onChanged: (order: Order) => void, reload: () => void) {
  const [state, setState] = useState<RefundState>({ kind: 'idle' });
  const { gone, start } = useConfirmation(() => confirmOrder(order.id, 'REFUNDED'), refundSettled, onChanged, setState);

  const confirm = (delays?: readonly number[]) =>
    start((latest) => {
      // Every call failed, or WeChat Pay is not done yet: the order stays 退款中, with a way to ask again.
      setState({ kind: latest && refundSettled(latest) ? 'idle' : 'unconfirmed' });
      if (latest?.status === 'REFUNDED') toastSuccess('退款成功');
    }, delays);

  // 退款中, whether just asked for here or found so when the page opened: follow it (once; after
  // that, 刷新退款结果 asks again).
  const followed = useRef(false);
  const follow = (delays?: readonly number[]) => {
    followed.current = true;
    void confirm(delays);
  };
  useEffect(() => {
    if (order.status === 'REFUNDING' && !followed.current) follow();
  }, [order.status]);

  const request = async () => {
    const { confirm: sure } = await Taro.showModal({
      title: '申请退款',
      content: refundConfirmText(order),
      confirmText: '申请退款',
      cancelText: '再想想',
    });
    if (!sure || gone.current) return;
    setState({ kind: 'requesting' });
    let answer: Order;
    try {
      answer = await requestRefund(order.id);
    } catch (error) {
      if (gone.current) return;
      setState({ kind: 'idle' });
      toastError(error);
      // Refunded or changed meanwhile (another phone): show what it is now.
      if (appCodeOf(error) === 'ORDER_STATE_CONFLICT') reload();
      return;
    }
    if (gone.current) return;
    onChanged(answer);
    // REFUNDING: followed from here, from the schedule's first wait (before the effect above would, at once).
    if (answer.status === 'REFUNDING' && !followed.current) follow(REFUND_REQUESTED_DELAYS_MS);
    else setState({ kind: 'idle' });
  };

  return { state, request: () => void request(), recheck: () => void confirm() };
}
