/**
 * WeChat Pay for orders: the prepay a mini-program needs for `wx.requestPayment`, and the verified
 * notification that alone (with, later, an active query) moves an order to PAID.
 */
import type { RequestPaymentParams } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import type { Database, OrderRow } from '../../db/schema';
import { AppError } from '../../errors';
import {
  NotificationFormatError,
  readPaymentNotification,
  requestPaymentParams,
  WeChatPayApiError,
  WeChatPaySignatureError,
  WeChatPayTransportError,
  type PayServices,
  type SignedHeaders,
  type Transaction,
} from '../../wechat/pay';
import { findOrderById, findOrderItems } from '../order/order.repository';
import { markOrderPaid } from '../order/order.service';
import { findUserById } from '../user/user.repository';
import { findPaymentByOrderId, recordConfirmedPayment, savePrepay } from './pay.repository';

export interface PayDeps {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  pay: PayServices | null;
}

/** A prepay id lives 2 hours at WeChat Pay; ours is retired a little earlier. */
const PREPAY_LIFETIME_MS = 2 * 60 * 60_000 - 5 * 60_000;
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

function enabled(pay: PayServices | null): PayServices {
  if (!pay) throw new AppError('PAYMENT_DISABLED');
  return pay;
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
  if (error instanceof WeChatPayTransportError) {
    logger.warn({ orderId, reason: error.reason, detail: error.detail }, 'WeChat Pay unavailable');
    throw new AppError('PAYMENT_UNAVAILABLE', { cause: error });
  }
  throw error;
}

/**
 * The parameters of `wx.requestPayment` for the user's own pending order. A valid stored prepay
 * is reused (each call signs fresh paySign parameters for it); else WeChat Pay is asked for one,
 * with the order's deadline as time_expire, so nobody can pay an order after it closes.
 */
export async function preparePayment(deps: PayDeps, userId: number, orderId: number): Promise<RequestPaymentParams> {
  const pay = enabled(deps.pay);
  const order = await findOrderById(deps.db, orderId);
  if (!order || order.user_id !== userId) throw new AppError('ORDER_NOT_FOUND');
  const now = deps.clock.now();
  if (order.status !== 'PENDING_PAYMENT' || order.expires_at.getTime() <= now.getTime()) throw new AppError('ORDER_STATE_CONFLICT');

  const stored = await findPaymentByOrderId(deps.db, orderId);
  if (stored?.status === 'PREPARED' && stored.prepay_id && stored.prepay_expires_at && stored.prepay_expires_at.getTime() > now.getTime()) {
    return requestPaymentParams(pay.appId, stored.prepay_id, pay.merchantPrivateKey, Math.floor(now.getTime() / 1000));
  }
  if (stored && stored.status !== 'PREPARED') throw new AppError('ORDER_STATE_CONFLICT');
  return requestPaymentParams(pay.appId, await newPrepay(deps, pay, order, now), pay.merchantPrivateKey, Math.floor(now.getTime() / 1000));
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

/**
 * Handles one payment notification, from its raw body. What each outcome answers, and why:
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
 * - the order paid already (a repeat, concurrent or late): 200, no second effect;
 * - the order closed already (cancelled or timed out here while the user paid): 200, logged as
 *   an error and recorded as REFUND_NEEDED: the money must go back (refunds are a later
 *   increment), and WeChat Pay retrying would change nothing.
 */
export async function handlePaymentNotification(deps: PayDeps, headers: SignedHeaders, rawBody: string): Promise<NotificationAnswer> {
  const { pay, logger } = deps;
  if (!pay) return fail(404, 'FAIL', 'payment is disabled');
  let transaction: Transaction;
  let notificationId: string;
  try {
    const notification = await readPaymentNotification(pay.verifier, pay.apiV3Key, headers, rawBody);
    transaction = notification.transaction;
    notificationId = notification.id;
    if (notification.eventType !== 'TRANSACTION.SUCCESS') {
      logger.warn({ notificationId, eventType: notification.eventType }, 'WeChat Pay notification of another kind: ignored');
      return OK;
    }
  } catch (error) {
    if (error instanceof WeChatPaySignatureError) {
      logger.warn({ reason: error.reason, serial: headers['wechatpay-serial'] }, 'WeChat Pay notification refused: signature');
      return fail(401, 'SIGN_ERROR', `signature refused: ${error.reason}`);
    }
    if (error instanceof NotificationFormatError) {
      logger.error({ reason: error.message }, 'WeChat Pay notification signed but unreadable (is WECHATPAY_APIV3_KEY right?)');
      return fail(400, 'FAIL', error.message);
    }
    throw error;
  }

  const { out_trade_no: outTradeNo, transaction_id: transactionId } = transaction;
  const facts = { notificationId, outTradeNo, transactionId, mchid: transaction.mchid, appid: transaction.appid };
  if (transaction.mchid !== pay.mchId || transaction.appid !== pay.appId) {
    logger.error(facts, 'WeChat Pay notification for another merchant or app: refused');
    return fail(400, 'FAIL', 'mchid or appid mismatch');
  }
  const orderId = orderIdOfOutTradeNo(outTradeNo);
  const order = orderId === null ? undefined : await findOrderById(deps.db, orderId);
  if (!order) {
    logger.error(facts, 'WeChat Pay notification for an unknown order: answered 404 so that WeChat Pay retries');
    return fail(404, 'FAIL', 'unknown out_trade_no');
  }
  if (transaction.trade_state !== 'SUCCESS') {
    logger.warn({ ...facts, tradeState: transaction.trade_state }, 'WeChat Pay notification without SUCCESS: ignored');
    return OK;
  }
  const total = transaction.amount?.total;
  const currency = transaction.amount?.currency ?? 'CNY';
  if (total !== order.total_fen || currency !== 'CNY') {
    logger.error(
      { ...facts, total, currency, orderTotal: order.total_fen },
      'WeChat Pay notification amount differs from the order: refused',
    );
    return fail(400, 'FAIL', 'amount mismatch');
  }

  const now = deps.clock.now();
  const successTime = transaction.success_time ? new Date(transaction.success_time) : null;
  const paidAt = successTime && !Number.isNaN(successTime.getTime()) ? successTime : now;
  const payment = {
    orderId: order.id,
    outTradeNo,
    mchId: pay.mchId,
    amountFen: order.total_fen,
    transactionId: transactionId ?? null,
    paidAt,
  };
  const moved = await deps.db.transaction().execute(async (trx) => {
    if (!(await markOrderPaid(trx, order.id, paidAt, now, 'WECHATPAY_NOTIFY'))) return false;
    await recordConfirmedPayment(trx, payment, 'SUCCESS', now);
    return true;
  });
  if (moved) {
    logger.info(facts, 'order paid (WeChat Pay notification)');
    return OK;
  }
  const current = await findOrderById(deps.db, order.id);
  if (current?.status === 'CLOSED') {
    // The user paid an order that had closed here (the sweeper ran between their tap and WeChat
    // Pay's confirmation, or a cancel raced the payment). The money is WeChat Pay's to give
    // back: a refund is needed (POST /v3/refund/domestic/refunds, a later increment). Recorded,
    // and answered success: WeChat Pay retrying would not change any of this.
    await recordConfirmedPayment(deps.db, payment, 'REFUND_NEEDED', now);
    logger.error(
      { ...facts, orderId: order.id, closeReason: current.close_reason },
      'PAID AFTER CLOSE: WeChat Pay took money for a closed order; it must be refunded',
    );
  }
  return OK;
}
