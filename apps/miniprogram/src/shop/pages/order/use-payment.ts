/**
 * 去支付 on 订单详情: pay.prepare, the cashier (platform/request-payment.ts: WeChat's, or the
 * mock's stand-in on H5), then pay.confirm at once and a few more times (api/payment-confirm.ts)
 * while the page shows 支付中, until the server says PAID. The cashier's own "success" is not
 * trusted: only the order the server answers with is shown.
 */
import type { Order } from '@app/shared';
import { useEffect, useRef, useState } from 'react';
import { confirmUntilSettled } from '../../../api/payment-confirm';
import { confirmPayment, preparePayment } from '../../../api/shop';
import { appCodeOf, appErrorOf } from '../../../errors/app-error';
import { canRequestPayment, requestPayment } from '../../../platform/request-payment';
import { toastSuccess } from '../../../platform/toast';
import { errorToastText } from '../../../ui/error-text';

export type PaymentState =
  | { kind: 'idle' }
  /** pay.prepare, then the cashier: the button is busy. */
  | { kind: 'starting' }
  /** Back from the cashier, asking the server: 支付中. */
  | { kind: 'confirming' }
  /** The schedule ended and the server still says pending: 支付中, with 刷新支付结果. */
  | { kind: 'unconfirmed' }
  | { kind: 'cancelled' }
  | { kind: 'failed'; text: string }
  /** The server has no merchant (PAYMENT_DISABLED): no retry helps. */
  | { kind: 'disabled' }
  /** A production H5 build: no cashier at all. */
  | { kind: 'unsupported' };

/** The line under the status (zh-CN), or null. */
export function paymentNoteText(state: PaymentState): string | null {
  switch (state.kind) {
    case 'confirming':
      return '正在确认支付结果…';
    case 'unconfirmed':
      return '暂未收到支付结果，如已付款请稍后刷新';
    case 'cancelled':
      return '已取消支付，可在订单关闭前重新支付';
    case 'failed':
      return state.text;
    case 'disabled':
      return '暂未开通在线支付，订单将在超时后自动关闭';
    case 'unsupported':
      return '网页版无法使用微信支付，请在微信中打开小程序';
    default:
      return null;
  }
}

export function usePayment(order: Order, onChanged: (order: Order) => void, reload: () => void) {
  const [state, setState] = useState<PaymentState>(canRequestPayment() ? { kind: 'idle' } : { kind: 'unsupported' });
  const gone = useRef(false);
  useEffect(() => {
    gone.current = false;
    return () => {
      gone.current = true;
    };
  }, []);

  const confirm = async () => {
    setState({ kind: 'confirming' });
    const { order: latest } = await confirmUntilSettled({
      confirm: () => confirmPayment(order.id),
      onOrder: (answer) => {
        if (!gone.current) onChanged(answer);
      },
      stopped: () => gone.current,
    });
    if (gone.current) return;
    if (latest?.status === 'PAID') {
      setState({ kind: 'idle' });
      toastSuccess('支付成功');
    } else if (latest?.status === 'CLOSED') {
      setState({ kind: 'idle' });
    } else {
      setState({ kind: 'unconfirmed' });
    }
  };

  const pay = async () => {
    if (!canRequestPayment()) {
      setState({ kind: 'unsupported' });
      return;
    }
    setState({ kind: 'starting' });
    let params;
    try {
      params = await preparePayment(order.id);
    } catch (error) {
      if (gone.current) return;
      const code = appCodeOf(error);
      if (code === 'PAYMENT_DISABLED') return setState({ kind: 'disabled' });
      setState({ kind: 'failed', text: errorToastText(appErrorOf(error)) });
      // Paid or closed meanwhile: show what it is now.
      if (code === 'ORDER_STATE_CONFLICT') reload();
      return;
    }
    const outcome = await requestPayment(params);
    if (gone.current) return;
    if (outcome.ok) return confirm();
    if (outcome.reason === 'cancelled') return setState({ kind: 'cancelled' });
    if (outcome.reason === 'unsupported') return setState({ kind: 'unsupported' });
    setState({ kind: 'failed', text: '支付未完成，请重试' });
  };

  return { state, pay: () => void pay(), recheck: () => void confirm() };
}
