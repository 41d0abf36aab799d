/**
 * 去支付 on 订单详情: the paid 订阅消息 asked for (platform/subscribe-message.ts) together with
 * pay.prepare, the cashier (platform/request-payment.ts: WeChat's, or the mock's stand-in on H5),
 * then pay.confirm at once and a few more times (api/payment-confirm.ts) while the page shows
 * 支付中, until the server says PAID. The cashier's own "success" is not trusted: only the order
 * the server answers with is shown.
 */
import type { Order, RequestPaymentParams } from '@app/shared';
import { useState } from 'react';
import { paymentSettled } from '../../../api/payment-confirm';
import { confirmOrder, preparePayment } from '../../../api/shop';
import { clientEnv } from '../../../config';
import { appCodeOf, appErrorOf } from '../../../errors/app-error';
import { canRequestPayment, requestPayment, type PaymentOutcome } from '../../../platform/request-payment';
import { requestSubscribeMessage, type SubscribeOutcome } from '../../../platform/subscribe-message';
import { toastSuccess } from '../../../platform/toast';
import { errorToastText } from '../../../ui/error-text';
import { useConfirmation } from './use-confirmation';

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

/** The steps of one tap on 去支付 (tests play them). */
export interface PaySteps {
  /** Asks the user to accept the paid 订阅消息. */
  subscribe: () => Promise<SubscribeOutcome>;
  prepare: (orderId: number) => Promise<RequestPaymentParams>;
  cashier: (params: RequestPaymentParams) => Promise<PaymentOutcome>;
}

/** The paid message's template (TARO_APP_PAID_MESSAGE_TEMPLATE_ID), when the build has one. */
function askPaidMessage(): Promise<SubscribeOutcome> {
  const templateId = clientEnv.paidMessageTemplateId;
  return templateId ? requestSubscribeMessage(templateId) : Promise.resolve('unsupported');
}

const APP_STEPS: PaySteps = { subscribe: askPaidMessage, prepare: preparePayment, cashier: requestPayment };

export type PayAttempt = { step: 'prepare'; error: unknown } | { step: 'cashier'; outcome: PaymentOutcome };

/**
 * One tap on 去支付, up to the cashier's end. The subscription is asked first, synchronously in the
 * tap (WeChat shows its dialog only then, not after an await), while pay.prepare is on its way;
 * the cashier opens once the user has answered it (two dialogs cannot share the screen), whatever
 * the answer: a refusal, a failure or a platform without it never stops the payment.
 */
export async function attemptPayment(orderId: number, steps: PaySteps = APP_STEPS): Promise<PayAttempt> {
  const subscribed = steps.subscribe();
  let params: RequestPaymentParams;
  try {
    params = await steps.prepare(orderId);
  } catch (error) {
    return { step: 'prepare', error };
  }
  await subscribed;
  return { step: 'cashier', outcome: await steps.cashier(params) };
}

export function usePayment(order: Order, onChanged: (order: Order) => void, reload: () => void) {
  // Unsupported for good (a production H5 build): the page shows no 去支付 then, so pay() never runs.
  const [state, setState] = useState<PaymentState>(canRequestPayment() ? { kind: 'idle' } : { kind: 'unsupported' });
  const { gone, start } = useConfirmation(() => confirmOrder(order.id, 'PAID'), paymentSettled, onChanged, setState);

  const confirm = () =>
    start((latest) => {
      // Every call failed, or WeChat Pay has no word yet: 支付中, with a way to ask again.
      setState({ kind: latest && paymentSettled(latest) ? 'idle' : 'unconfirmed' });
      if (latest?.status === 'PAID') toastSuccess('支付成功');
    });

  const pay = async () => {
    setState({ kind: 'starting' });
    const attempt = await attemptPayment(order.id);
    if (gone.current) return;
    if (attempt.step === 'prepare') {
      const code = appCodeOf(attempt.error);
      if (code === 'PAYMENT_DISABLED') return setState({ kind: 'disabled' });
      setState({ kind: 'failed', text: errorToastText(appErrorOf(attempt.error)) });
      // Paid or closed meanwhile: show what it is now.
      if (code === 'ORDER_STATE_CONFLICT') reload();
      return;
    }
    const { outcome } = attempt;
    if (outcome.ok) return confirm();
    if (outcome.reason === 'cancelled') return setState({ kind: 'cancelled' });
    setState({ kind: 'failed', text: '支付未完成，请重试' });
  };

  return { state, pay: () => void pay(), recheck: () => void confirm() };
}
