/**
 * WeChat Pay for orders: the prepay a mini-program needs for `wx.requestPayment`; the verified
 * notification or the active query (pay.confirm), which alone move an order to PAID, through one
 * function (applyConfirmedTransaction); and closing a closed order's trade at WeChat Pay. The
 * same notification URL and pay.confirm also carry refunds (refund.service.ts).
 */
import type { Order, RequestPaymentParams } from '@app/shared';
import type { Logger } from 'pino';
import { retryOnDeadlock } from '../../db/dialect';
import type { OrderRow } from '../../db/schema';
import { AppError } from '../../errors';
import type { NotificationKind } from '../../telemetry';
import {
  NotificationFormatError,
  readPaymentNotification,
  requestPaymentParams,
  WeChatPayApiError,
  WeChatPaySignatureError,
  WeChatTransportError,
  type PaymentNotification,
  type PayServices,
  type SignedHeaders,
  type Transaction,
} from '../../wechat/pay';
import { findOrderById, findOrderItems } from '../order/order.repository';
import { getOrder, markOrderPaid, ownOrder } from '../order/order.service';
import { findUserById } from '../user/user.repository';
import { findPaymentByOrderId, recordConfirmedPayment, savePrepay } from './pay.repository';
import { enabledPay, orderAfterFailedQuery, payUnavailable, successTimeOf, type ConfirmDeps, type PayDeps } from './pay-shared';
import { findRefundByOrderId } from './refund.repository';
import { applyRefundResult, confirmRefund, PAID_AFTER_CLOSE_REASON, scheduleRefund } from './refund.service';

/** A prepay id lives 2 hours at WeChat Pay; ours is retired a little earlier. */
const PREPAY_LIFETIME_MS = 2 * 60 * 60_000 - 5 * 60_000;
/** Close requests to WeChat Pay in flight at once (a sweep may close a whole batch). */
const CLOSE_CONCURRENCY = 8;
/** WeChat Pay's limit on `description`, in characters. */
const MAX_DESCRIPTION_LENGTH = 127;

/**
 * The order's out_trade_no: stable (every prepare of the order, every retry, names the same
 * trade, so WeChat Pay can never take two payments for one order) and reversible.
 */
export function outTradeNoOf(orderId: number): string {
  return `ORDER${String(orderId).padStart(10, '0')}`;
}

export function orderIdOfOutTradeNo(outTradeNo: string): number | null {
  const match = /^ORDER(\d{10,})$/.exec(outTradeNo);
  const id = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** RFC 3339 in China's time (+08:00), as WeChat Pay writes and expects `time_expire`. */
export function chinaTime(date: Date): string {
  const shifted = new Date(date.getTime() + 8 * 60 * 60_000);
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}

function descriptionOf(titles: readonly string[]): string {
  const text = titles.join('、') || '订单';
  return [...text].length > MAX_DESCRIPTION_LENGTH ? `${[...text].slice(0, MAX_DESCRIPTION_LENGTH - 1).join('')}…` : text;
}

/** WeChat Pay's refusals of a prepay, as the client's codes. */
function failPrepay(logger: Logger, orderId: number, error: unknown): never {
  if (error instanceof WeChatPayApiError) {
    // Paid or closed at WeChat Pay while pending here: the notification (or a query) will settle it.
    if (error.code === 'ORDERPAID' || error.code === 'ORDER_CLOSED') {
      logger.warn({ orderId, code: error.code }, 'WeChat Pay refused a prepay: the trade is no longer open there');
      throw new AppError('ORDER_STATE_CONFLICT', { cause: error });
    }
    logger.error({ orderId, status: error.status, code: error.code, detail: error.detail }, 'WeChat Pay refused a prepay');
    throw new AppError('PAYMENT_FAILED', { cause: error });
  }
  if (error instanceof WeChatTransportError) payUnavailable(logger, orderId, error);
  throw error;
}

/**
 * The parameters of `wx.requestPayment` for the user's own pending order. A valid stored prepay
 * is reused (each call signs fresh paySign parameters for it); else WeChat Pay is asked for one,
 * with the order's deadline as time_expire, so nobody can pay an order after it closes.
 */
export async function preparePayment(deps: PayDeps, userId: number, orderId: number): Promise<RequestPaymentParams> {
  const pay = enabledPay(deps.pay);
  const order = await ownOrder(deps.db, userId, orderId);
  const now = deps.clock.now();
  if (order.status !== 'PENDING_PAYMENT' || order.expires_at.getTime() <= now.getTime()) throw new AppError('ORDER_STATE_CONFLICT');

  const stored = await findPaymentByOrderId(deps.db, orderId);
  if (stored && stored.status !== 'PREPARED') throw new AppError('ORDER_STATE_CONFLICT');
  const valid = stored?.prepay_id && stored.prepay_expires_at && stored.prepay_expires_at.getTime() > now.getTime();
  const prepayId = valid && stored.prepay_id ? stored.prepay_id : await newPrepay(deps, pay, order, now);
  return requestPaymentParams(pay.appId, prepayId, pay.merchantPrivateKey, Math.floor(now.getTime() / 1000));
}

async function newPrepay(deps: PayDeps, pay: PayServices, order: OrderRow, now: Date): Promise<string> {
  const user = await findUserById(deps.db, order.user_id);
  if (!user) throw new AppError('ORDER_NOT_FOUND');
  const items = await findOrderItems(deps.db, [order.id]);
  const outTradeNo = outTradeNoOf(order.id);
  let prepayId: string;
  try {
    ({ prepayId } = await pay.client.jsapiPrepay({
      appid: pay.appId,
      mchid: pay.mchId,
      description: descriptionOf(items.map((item) => item.title)),
      out_trade_no: outTradeNo,
      time_expire: chinaTime(order.expires_at),
      notify_url: pay.notifyUrl,
      amount: { total: order.total_fen, currency: 'CNY' },
      payer: { openid: user.openid },
    }));
  } catch (error) {
    failPrepay(deps.logger, order.id, error);
  }
  const prepayExpiresAt = new Date(Math.min(now.getTime() + PREPAY_LIFETIME_MS, order.expires_at.getTime()));
  await savePrepay(
    deps.db,
    { orderId: order.id, outTradeNo, mchId: pay.mchId, amountFen: order.total_fen, prepayId, prepayExpiresAt },
    now,
  );
  // A cancel (or the sweeper) that closed the order while WeChat Pay was being asked found no
  // prepay to close there. Of the two, whichever comes second sees the other's write: here, the
  // order read again after the prepay is saved; there, the payments read after the close.
  if ((await findOrderById(deps.db, order.id))?.status !== 'PENDING_PAYMENT') {
    await closeTradesAtWeChatPay({ db: deps.db, logger: deps.logger, pay }, [order.id]);
    throw new AppError('ORDER_STATE_CONFLICT');
  }
  return prepayId;
}

/** The answer to WeChat Pay: 200/204 = received (it stops); anything else = failed (it retries). */
export interface NotificationAnswer {
  status: number;
  /** WeChat Pay's failure shape; none on success (WeChat Pay reads only the status). */
  body: { code: string; message: string } | null;
}

const OK: NotificationAnswer = { status: 200, body: null };
const fail = (status: number, code: string, message: string): NotificationAnswer => ({ status, body: { code, message } });

/** What proved a payment: WeChat Pay's notification, or its answer to our query. */
export type PaymentSource = 'WECHATPAY_NOTIFY' | 'WECHATPAY_QUERY';

/** What a transaction WeChat Pay vouched for did to its order. */
export type ConfirmOutcome =
  /** For another merchant or app: nothing done. */
  | 'merchant-mismatch'
  /** No order has that out_trade_no. */
  | 'unknown-order'
  /** Not (yet) paid: NOTPAY, USERPAYING, CLOSED…; nothing done. */
  | 'not-success'
  /** Paid another amount than the order's: nothing done. */
  | 'amount-mismatch'
  /** The order moved PENDING_PAYMENT → PAID, now. */
  | 'paid'
  /** Already PAID: no second effect. */
  | 'already-paid'
  /** The order had closed: it stays closed, the payment recorded REFUND_NEEDED and refunded. */
  | 'refund-needed';

/**
 * Applies a transaction WeChat Pay vouched for (a notification whose signature verified and
 * whose resource decrypted, or a query answer whose signature verified): the checks of the
 * merchant, the app and the amount against the order, then the guarded PENDING_PAYMENT → PAID
 * update with its order_events row, once whoever gets there first. Shared by the notification
 * and the active query, so both apply exactly the same rules.
 */
export async function applyConfirmedTransaction(
  deps: PayDeps,
  pay: PayServices,
  transaction: Transaction,
  source: PaymentSource,
): Promise<ConfirmOutcome> {
  const { logger } = deps;
  const { out_trade_no: outTradeNo, transaction_id: transactionId } = transaction;
  const facts = { source, outTradeNo, transactionId, mchid: transaction.mchid, appid: transaction.appid };
  if (transaction.mchid !== pay.mchId || transaction.appid !== pay.appId) {
    logger.error(facts, 'WeChat Pay transaction for another merchant or app: refused');
    return 'merchant-mismatch';
  }
  const orderId = orderIdOfOutTradeNo(outTradeNo);
  const order = orderId === null ? undefined : await findOrderById(deps.db, orderId);
  if (!order) {
    logger.error(facts, 'WeChat Pay transaction for an unknown order');
    return 'unknown-order';
  }
  if (transaction.trade_state !== 'SUCCESS') {
    logger.info({ ...facts, tradeState: transaction.trade_state }, 'WeChat Pay transaction not paid (yet)');
    return 'not-success';
  }
  const total = transaction.amount?.total;
  const currency = transaction.amount?.currency ?? 'CNY';
  if (total !== order.total_fen || currency !== 'CNY') {
    logger.error(
      { ...facts, total, currency, orderTotal: order.total_fen },
      'WeChat Pay transaction amount differs from the order: refused',
    );
    return 'amount-mismatch';
  }

  const now = deps.clock.now();
  const paidAt = successTimeOf(transaction, now);
  const payment = {
    orderId: order.id,
    outTradeNo,
    mchId: pay.mchId,
    amountFen: order.total_fen,
    transactionId: transactionId ?? null,
    paidAt,
  };
  const markPaid = () =>
    deps.db.transaction().execute(async (trx) => {
      if (!(await markOrderPaid(trx, order.id, paidAt, now, source))) return false;
      await recordConfirmedPayment(trx, payment, 'SUCCESS', now);
      return true;
    });
  // A repeat for an order already past PENDING_PAYMENT (paid, refunding, refunded: states it
  // never leaves back to pending) is answered from the read above, without a transaction: the
  // common case of WeChat Pay's retries costs one select, not a row lock and two more.
  if (order.status !== 'PENDING_PAYMENT' && order.status !== 'CLOSED') return 'already-paid';
  // Many confirmations of one payment at once (duplicates, the query beside the notification)
  // can deadlock; the loser runs again and then finds the order paid.
  if (order.status === 'PENDING_PAYMENT' && (await retryOnDeadlock(markPaid))) {
    deps.telemetry.orderTransition('PAID', source);
    logger.info({ ...facts, orderId: order.id }, 'order paid');
    return 'paid';
  }
  const current = order.status === 'CLOSED' ? order : await findOrderById(deps.db, order.id);
  // PAID, or REFUNDING/REFUNDED after it (a notification arriving late, after the refund): no effect.
  if (current?.status !== 'CLOSED') return 'already-paid';
  // The user paid an order that had closed here (the sweeper ran between their tap and WeChat
  // Pay's confirmation, or a cancel raced the payment): its refund is scheduled and the payment
  // recorded REFUND_NEEDED in one transaction, once. A repeat finds the refund and stops at that
  // read; repeats racing each other are settled by the refund's unique index (scheduleRefund).
  if (await findRefundByOrderId(deps.db, order.id)) return 'refund-needed';
  const scheduled = await retryOnDeadlock(() =>
    deps.db.transaction().execute(async (trx) => {
      const refund = { orderId: order.id, outTradeNo, amountFen: order.total_fen, reason: PAID_AFTER_CLOSE_REASON };
      if (!(await scheduleRefund(trx, refund, now))) return false;
      await recordConfirmedPayment(trx, payment, 'REFUND_NEEDED', now);
      return true;
    }),
  );
  if (scheduled) {
    logger.error(
      { ...facts, orderId: order.id, closeReason: current.close_reason },
      'PAID AFTER CLOSE: WeChat Pay took money for a closed order; refunding it',
    );
  }
  return 'refund-needed';
}

/**
 * Handles one notification, from its raw body: a payment's (TRANSACTION.SUCCESS) as below, a
 * refund's (REFUND.SUCCESS/ABNORMAL/CLOSED) by applyRefundResult with the same answers. What each outcome answers, and why:
 * - a signature that does not verify (bad, unknown serial, stale timestamp, replayed nonce): 401
 *   SIGN_ERROR, nothing read or changed. WeChat Pay's own deliveries always verify, so this is
 *   someone else, or our keys are wrong (then WeChat Pay's retries give time to fix them);
 * - signed, but not decryptable or not for this merchant/app, or the amount is not the order's:
 *   400, logged as an error, nothing changed. WeChat Pay retries for about 24 hours, which is
 *   right: the money moved, and these mean our configuration is wrong, to be fixed meanwhile;
 * - signed, for an out_trade_no with no order here: 404, logged as an error. WeChat Pay only
 *   sends us trades made with our notify_url, so the order should exist (a database restored
 *   from before it, a replica behind, another environment sharing the merchant and URL):
 *   answering success would drop the only push of a real payment, and a failure costs nothing
 *   but WeChat Pay's retries, which give us the day to put it right;
 * - the order pending: PAID once (guarded update + order_events row), 200;
 * - the order paid already (a repeat, concurrent or late, or the active query got there
 *   first): 200, no second effect;
 * - the order closed already (cancelled or timed out here while the user paid): 200, logged as
 *   an error, recorded as REFUND_NEEDED and refunded by a durable job; WeChat Pay retrying
 *   would change nothing.
 * Each notification is told to telemetry by its kind and outcome (the outcomes above, the refund's
 * RefundOutcome, or signature-refused, unreadable, ignored, payment-disabled, error).
 */
export async function handlePaymentNotification(deps: PayDeps, headers: SignedHeaders, rawBody: string): Promise<NotificationAnswer> {
  let handled: HandledNotification;
  try {
    handled = await answerNotification(deps, headers, rawBody);
  } catch (error) {
    // The database or a bug: the webhook answers 5xx and WeChat Pay retries.
    deps.telemetry.paymentNotification('unread', 'error');
    throw error;
  }
  deps.telemetry.paymentNotification(handled.kind, handled.outcome);
  return handled.answer;
}

/** A notification's answer, and what it did (for metrics: a small, fixed set of words). */
interface HandledNotification {
  kind: NotificationKind;
  outcome: string;
  answer: NotificationAnswer;
}

const unread = (outcome: string, answer: NotificationAnswer): HandledNotification => ({ kind: 'unread', outcome, answer });

async function answerNotification(deps: PayDeps, headers: SignedHeaders, rawBody: string): Promise<HandledNotification> {
  const { pay, logger } = deps;
  if (!pay) return unread('payment-disabled', fail(404, 'FAIL', 'payment is disabled'));
  let notification: PaymentNotification;
  try {
    notification = await readPaymentNotification(pay.verifier, pay.apiV3Key, headers, rawBody);
  } catch (error) {
    if (error instanceof WeChatPaySignatureError) {
      logger.warn({ reason: error.reason, serial: headers['wechatpay-serial'] }, 'WeChat Pay notification refused: signature');
      return unread('signature-refused', fail(401, 'SIGN_ERROR', `signature refused: ${error.reason}`));
    }
    if (error instanceof NotificationFormatError) {
      logger.error({ reason: error.message }, 'WeChat Pay notification signed but unreadable (is WECHATPAY_APIV3_KEY right?)');
      return unread('unreadable', fail(400, 'FAIL', error.message));
    }
    throw error;
  }
  try {
    return await applyNotification(deps, pay, notification);
  } catch (error) {
    // Answered 5xx, WeChat Pay sends it again: that delivery is no replay. (Never in place of the error.)
    await pay.verifier
      .forgetNonce(headers)
      .catch((forgetting: unknown) => logger.warn({ err: forgetting }, 'WeChat Pay nonce not forgotten'));
    throw error;
  }
}

/** What a verified notification does to the order or the refund it names, and the answer for WeChat Pay. */
async function applyNotification(deps: PayDeps, pay: PayServices, notification: PaymentNotification): Promise<HandledNotification> {
  const { logger } = deps;
  if (notification.kind === 'refund') {
    const outcome = await applyRefundResult(deps, pay, notification.refund, 'WECHATPAY_REFUND_NOTIFY');
    const refund = (answer: NotificationAnswer): HandledNotification => ({ kind: 'refund', outcome, answer });
    switch (outcome) {
      case 'mismatch':
        return refund(fail(400, 'FAIL', 'mchid or out_trade_no mismatch'));
      case 'unknown-refund':
        return refund(fail(404, 'FAIL', 'unknown out_refund_no'));
      case 'amount-mismatch':
        return refund(fail(400, 'FAIL', 'amount mismatch'));
      default:
        return refund(OK);
    }
  }
  if (notification.kind !== 'transaction' || notification.eventType !== 'TRANSACTION.SUCCESS') {
    logger.warn({ notificationId: notification.id, eventType: notification.eventType }, 'WeChat Pay notification of another kind: ignored');
    return unread('ignored', OK);
  }
  const outcome = await applyConfirmedTransaction(deps, pay, notification.transaction, 'WECHATPAY_NOTIFY');
  const transaction = (answer: NotificationAnswer): HandledNotification => ({ kind: 'transaction', outcome, answer });
  switch (outcome) {
    case 'merchant-mismatch':
      return transaction(fail(400, 'FAIL', 'mchid or appid mismatch'));
    case 'unknown-order':
      return transaction(fail(404, 'FAIL', 'unknown out_trade_no'));
    case 'amount-mismatch':
      return transaction(fail(400, 'FAIL', 'amount mismatch'));
    default:
      return transaction(OK);
  }
}

/**
 * The active query (pay.confirm): the client is back from `wx.requestPayment` and its order is
 * still pending here, perhaps because the notification is late (a REFUNDING order's refund is
 * asked about the same way: refund.service.ts, confirmRefund). When a prepay exists (else
 * WeChat Pay knows no trade to ask about), WeChat Pay is asked for the trade
 * (GET /v3/pay/transactions/out-trade-no/{no}; its answer's signature is verified by the client
 * like every answer) and a SUCCESS is applied exactly as a notification would be. NOTPAY or
 * USERPAYING leave the order pending; so does a refusal by WeChat Pay (logged). Queries are
 * limited per user (payQueryPerUser, RATE_LIMITED beyond it); an order that is no longer pending
 * is answered from the database without asking. Answers the order as it now is.
 */
export async function confirmPayment(deps: ConfirmDeps, userId: number, orderId: number): Promise<Order> {
  const order = await getOrder(deps, userId, orderId);
  if (order.status === 'REFUNDING') return confirmRefund(deps, userId, order);
  if (order.status !== 'PENDING_PAYMENT') return order;
  const pay = enabledPay(deps.pay);
  const stored = await findPaymentByOrderId(deps.db, orderId);
  if (!stored?.prepay_id) return order;
  await deps.rateLimits.consume('payQueryPerUser', String(userId));
  let transaction: Transaction;
  try {
    transaction = await pay.client.queryByOutTradeNo(stored.out_trade_no);
  } catch (error) {
    return orderAfterFailedQuery(deps.logger, order, error);
  }
  if (transaction.out_trade_no !== stored.out_trade_no) {
    deps.logger.error(
      { orderId, asked: stored.out_trade_no, answered: transaction.out_trade_no },
      'WeChat Pay answered about another trade',
    );
    return order;
  }
  const outcome = await applyConfirmedTransaction(deps, pay, transaction, 'WECHATPAY_QUERY');
  return outcome === 'paid' || outcome === 'already-paid' || outcome === 'refund-needed' ? getOrder(deps, userId, orderId) : order;
}

/**
 * Closes at WeChat Pay the trades of orders that just closed here (cancelled, or past their
 * deadline), so that nobody can pay them any more: POST /v3/pay/transactions/out-trade-no/{no}/close.
 * Only orders with a stored prepay have a trade. Called after the closing transaction committed
 * (never inside it: a slow WeChat Pay must not hold the order's row locks), best effort: a
 * failure is logged and not retried, because WeChat Pay expires the trade by itself at its
 * time_expire, which is the order's deadline. So a failed close leaves, at worst, a cancelled
 * order payable until its deadline, and such a payment is caught by the notification or the
 * query and recorded REFUND_NEEDED. A trade paid meanwhile (ORDERPAID) is logged as an error:
 * its notification says the same, and the money must go back.
 */
export async function closeTradesAtWeChatPay(deps: Pick<PayDeps, 'db' | 'logger' | 'pay'>, orderIds: readonly number[]): Promise<void> {
  const { pay, logger } = deps;
  if (!pay || orderIds.length === 0) return;
  let payments: Array<{ order_id: number; out_trade_no: string; prepay_id: string | null; status: string }>;
  try {
    payments = await deps.db
      .selectFrom('payments')
      .select(['order_id', 'out_trade_no', 'prepay_id', 'status'])
      .where('order_id', 'in', orderIds)
      .execute();
  } catch (error) {
    logger.warn({ err: error, orderIds }, 'could not read the payments to close at WeChat Pay; they expire there at the order deadline');
    return;
  }
  const trades = payments.filter((payment) => payment.status === 'PREPARED' && payment.prepay_id);
  for (let i = 0; i < trades.length; i += CLOSE_CONCURRENCY) {
    await Promise.all(
      trades.slice(i, i + CLOSE_CONCURRENCY).map(async ({ order_id: orderId, out_trade_no: outTradeNo }) => {
        try {
          await pay.client.closeOrder(outTradeNo);
          logger.info({ orderId, outTradeNo }, 'trade closed at WeChat Pay');
        } catch (error) {
          if (error instanceof WeChatPayApiError && error.code === 'ORDERPAID') {
            logger.error(
              { orderId, outTradeNo },
              'PAID AFTER CLOSE: the trade of a closed order was paid at WeChat Pay; it must be refunded',
            );
          } else if (error instanceof WeChatPayApiError || error instanceof WeChatTransportError) {
            const detail = error instanceof WeChatPayApiError ? { status: error.status, code: error.code } : { reason: error.reason };
            logger.warn(
              { orderId, outTradeNo, ...detail },
              'could not close the trade at WeChat Pay; it expires there at the order deadline',
            );
          } else {
            logger.error({ err: error, orderId, outTradeNo }, 'closing the trade at WeChat Pay failed');
          }
        }
      }),
    );
  }
}
