/**
 * Refunds through WeChat Pay: the whole amount of an order back to where it came from.
 *
 * Two causes, one path. The user asks for it (pay.refund: PAID → REFUNDING), or an order was paid
 * after it had closed (pay.service's 'refund-needed': the order stays CLOSED). Either way the
 * refund row and its durable job are written in the transaction that decided the refund, so
 * the refund exists exactly when the decision committed; the job asks WeChat Pay
 * (POST /v3/refund/domestic/refunds, idempotent by out_refund_no, so its retries never refund
 * twice); WeChat Pay's word, from its answer, its notification (REFUND.*) or our query, goes
 * through one function (applyRefundResult), which moves REFUNDING → REFUNDED once.
 */
import type { Order } from '@app/shared';
import { retryOnDeadlock } from '../../db/dialect';
import type { RefundRow } from '../../db/schema';
import { AppError } from '../../errors';
import { enqueueJob } from '../../jobs/job-queue';
import { PermanentJobError, type JobHandler } from '../../jobs/job-runner';
import { refundStatusOf, WeChatPayApiError, type PayServices, type Refund } from '../../wechat/pay';
import { moveOrder } from '../order/order.repository';
import { getOrder, loadOrder, ownOrder } from '../order/order.service';
import { findPaymentByOrderId, markPaymentRefunded } from './pay.repository';
import { enabledPay, orderAfterFailedQuery, successTimeOf, type ConfirmDeps, type PayDeps } from './pay-shared';
import { findRefundByOrderId, findRefundByOutRefundNo, insertRefund, recordRefundState, type NewRefund } from './refund.repository';

/** The job that asks WeChat Pay for a refund written in the same transaction. */
export const REFUND_JOB = 'pay.refund';

/** The reason WeChat Pay shows the user when an order paid after it closed is refunded. */
export const PAID_AFTER_CLOSE_REASON = '订单已关闭，款项原路退回';

/**
 * WeChat Pay's refusals a retry cannot change: a bad request, no such trade, a refund that is
 * not allowed (too old, already refunded in full), no permission. NOT_ENOUGH (the merchant's
 * balance is short), FREQUENCY_LIMITED and SYSTEM_ERROR are worth the job's retries.
 */
const FINAL_REFUND_CODES = new Set([
  'PARAM_ERROR',
  'INVALID_REQUEST',
  'RESOURCE_NOT_EXISTS',
  'NO_AUTH',
  'USER_ACCOUNT_ABNORMAL',
  'MCH_NOT_EXISTS',
]);

/** The order's out_refund_no: one full refund per order, so every retry names the same refund. */
export function outRefundNoOf(orderId: number): string {
  return `REFUND${String(orderId).padStart(10, '0')}`;
}

/**
 * The refund row and its job, inside the caller's transaction. False when the order has a refund
 * already (a repeat): no second job.
 */
export async function scheduleRefund(trx: PayDeps['db'], refund: Omit<NewRefund, 'outRefundNo'>, now: Date): Promise<boolean> {
  if (!(await insertRefund(trx, { ...refund, outRefundNo: outRefundNoOf(refund.orderId) }, now))) return false;
  await enqueueJob(trx, REFUND_JOB, { orderId: refund.orderId }, now);
  return true;
}

/**
 * pay.refund: the user's own paid order, refunded in full. Asking again while it is refunding
 * (or after) answers the order as it is; any other state is a conflict. The answer is REFUNDING:
 * the job asks WeChat Pay within JOB_INTERVAL_MS, and the order is REFUNDED when WeChat Pay says
 * the money is back (usually within seconds for 零钱, up to days for a bank card).
 */
export async function requestRefund(deps: PayDeps, userId: number, orderId: number, reason: string | undefined): Promise<Order> {
  enabledPay(deps.pay);
  const order = await ownOrder(deps.db, userId, orderId);
  if (order.status === 'REFUNDING' || order.status === 'REFUNDED') return loadOrder(deps.db, order);
  if (order.status !== 'PAID') throw new AppError('ORDER_STATE_CONFLICT');
  const payment = await findPaymentByOrderId(deps.db, orderId);
  if (payment?.status !== 'SUCCESS') throw new AppError('ORDER_STATE_CONFLICT');
  const now = deps.clock.now();
  const begun = await retryOnDeadlock(() =>
    deps.db.transaction().execute(async (trx) => {
      // Only the user's own PAID order, once however many taps race here.
      if (!(await moveOrder(trx, { orderId, from: 'PAID', to: 'REFUNDING', reason: 'USER_REQUEST', userId }, now))) return false;
      await scheduleRefund(trx, { orderId, outTradeNo: payment.out_trade_no, amountFen: payment.amount_fen, reason: reason ?? null }, now);
      return true;
    }),
  );
  if (begun) deps.telemetry.orderTransition('REFUNDING', 'USER_REQUEST');
  const after = await getOrder(deps, userId, orderId);
  if (after.status !== 'REFUNDING' && after.status !== 'REFUNDED') throw new AppError('ORDER_STATE_CONFLICT');
  deps.logger.info({ orderId, userId }, 'refund requested');
  return after;
}

/** What WeChat Pay's word on a refund did. */
export type RefundOutcome =
  /** For another merchant, or another trade than the refund's: nothing done. */
  | 'mismatch'
  /** No refund here has that out_refund_no. */
  | 'unknown-refund'
  /** Another amount than the refund's: nothing done. */
  | 'amount-mismatch'
  /** SUCCESS now: the refund and its payment recorded, a REFUNDING order REFUNDED. */
  | 'refunded'
  /** SUCCESS already known: no second effect. */
  | 'already-refunded'
  /** PROCESSING, CLOSED or ABNORMAL, recorded (CLOSED and ABNORMAL need the merchant). */
  | 'recorded';

/** What proved it: WeChat Pay's answer to the refund request, its notification, our query. */
export type RefundSource = 'WECHATPAY_REFUND_ANSWER' | 'WECHATPAY_REFUND_NOTIFY' | 'WECHATPAY_REFUND_QUERY';

/**
 * Applies what WeChat Pay said about a refund (its signature verified by whoever read it): the
 * merchant, trade and amount checked against the refund row, then the state written only over
 * a state it may follow (refund.repository.ts), and on SUCCESS, in one transaction, the payment
 * marked REFUNDED and a REFUNDING order moved to REFUNDED with its event.
 */
export async function applyRefundResult(deps: PayDeps, pay: PayServices, refund: Refund, source: RefundSource): Promise<RefundOutcome> {
  const { logger } = deps;
  const status = refundStatusOf(refund);
  const facts = { source, outRefundNo: refund.out_refund_no, refundId: refund.refund_id, status };
  if (refund.mchid !== undefined && refund.mchid !== pay.mchId) {
    logger.error({ ...facts, mchid: refund.mchid }, 'WeChat Pay refund for another merchant: refused');
    return 'mismatch';
  }
  const row = await findRefundByOutRefundNo(deps.db, refund.out_refund_no);
  if (!row) {
    logger.error(facts, 'WeChat Pay refund unknown here');
    return 'unknown-refund';
  }
  if (refund.out_trade_no !== row.out_trade_no) {
    logger.error({ ...facts, outTradeNo: refund.out_trade_no, expected: row.out_trade_no }, 'WeChat Pay refund of another trade: refused');
    return 'mismatch';
  }
  if (refund.amount?.refund !== row.amount_fen) {
    logger.error({ ...facts, refund: refund.amount?.refund, expected: row.amount_fen }, 'WeChat Pay refund amount differs: refused');
    return 'amount-mismatch';
  }
  const now = deps.clock.now();
  const refundId = refund.refund_id ?? null;
  if (status === 'SUCCESS') {
    const succeededAt = successTimeOf(refund, now);
    // Whether the refund changed here, and whether that moved a REFUNDING order (an order
    // refunded because it was paid after it closed stays CLOSED).
    const changed = await retryOnDeadlock(() =>
      deps.db.transaction().execute(async (trx) => {
        if (!(await recordRefundState(trx, row.id, { status: 'SUCCESS', refundId, succeededAt }, now))) return null;
        await markPaymentRefunded(trx, row.order_id, now);
        const move = {
          orderId: row.order_id,
          from: 'REFUNDING',
          to: 'REFUNDED',
          reason: source,
          set: { refunded_at: succeededAt },
        } as const;
        return { orderRefunded: await moveOrder(trx, move, now) };
      }),
    );
    if (changed?.orderRefunded) deps.telemetry.orderTransition('REFUNDED', source);
    if (changed) logger.info({ ...facts, orderId: row.order_id }, 'order refunded');
    return changed ? 'refunded' : 'already-refunded';
  }
  if (status === 'PROCESSING' || status === 'CLOSED' || status === 'ABNORMAL') {
    const changed = await recordRefundState(deps.db, row.id, { status, refundId, succeededAt: null }, now);
    if (changed && status !== 'PROCESSING') {
      // WeChat Pay could not pay it back (CLOSED), or the user's account cannot take it
      // (ABNORMAL): the merchant acts in 商户平台 → 交易中心 → 退款管理; the order stays REFUNDING.
      logger.error({ ...facts, orderId: row.order_id }, `REFUND ${status}: needs the merchant in WeChat Pay's console`);
    }
    return 'recorded';
  }
  logger.error(facts, 'WeChat Pay refund with an unknown status: ignored');
  return 'recorded';
}

/**
 * The refund job: asks WeChat Pay for the order's refund and applies its answer. A refund WeChat
 * Pay has accepted already (a refund id recorded) is not asked again: its notification, or a
 * query, settles it. Transport failures and retryable refusals throw (the job runs again with
 * backoff); final refusals give up, logged as errors for the merchant.
 */
export function refundJobHandler(deps: PayDeps): JobHandler {
  return async (payload) => {
    const pay = deps.pay;
    if (!pay) throw new PermanentJobError('payment is disabled');
    const orderId = (payload as { orderId?: unknown } | null)?.orderId;
    if (typeof orderId !== 'number') throw new PermanentJobError('payload without orderId');
    const row = await findRefundByOrderId(deps.db, orderId);
    if (!row) throw new PermanentJobError(`order ${orderId} has no refund`);
    if (row.refund_id || row.status !== 'REQUESTED') return;
    let answer: Refund;
    try {
      answer = await pay.client.refund(refundRequestOf(row, pay));
    } catch (error) {
      if (error instanceof WeChatPayApiError && FINAL_REFUND_CODES.has(error.code)) {
        deps.logger.error(
          { orderId, status: error.status, code: error.code, detail: error.detail },
          'WeChat Pay refused the refund: needs the merchant',
        );
        throw new PermanentJobError(`WeChat Pay refused the refund: ${error.code}`);
      }
      throw error;
    }
    await applyRefundResult(deps, pay, answer, 'WECHATPAY_REFUND_ANSWER');
  };
}

function refundRequestOf(row: RefundRow, pay: PayServices) {
  return {
    out_trade_no: row.out_trade_no,
    out_refund_no: row.out_refund_no,
    ...(row.reason ? { reason: row.reason } : {}),
    // The same URL as payments: the event_type (REFUND.*) tells the two apart.
    notify_url: pay.notifyUrl,
    amount: { refund: row.amount_fen, total: row.amount_fen, currency: 'CNY' as const },
  };
}

/**
 * The active query of a refund (pay.confirm on a REFUNDING order): WeChat Pay is asked about a
 * refund it has accepted (GET /v3/refund/domestic/refunds/{out_refund_no}, limited per user like
 * the payment query) and its answer applied as a notification would be.
 */
export async function confirmRefund(deps: ConfirmDeps, userId: number, order: Order): Promise<Order> {
  const pay = enabledPay(deps.pay);
  const row = await findRefundByOrderId(deps.db, order.id);
  if (!row?.refund_id) return order;
  await deps.rateLimits.consume('payQueryPerUser', String(userId));
  let answer: Refund;
  try {
    answer = await pay.client.queryRefund(row.out_refund_no);
  } catch (error) {
    return orderAfterFailedQuery(deps.logger, order, error);
  }
  const outcome = await applyRefundResult(deps, pay, answer, 'WECHATPAY_REFUND_QUERY');
  // Already refunded: by a notification that got there while we asked (answer the order as it is now).
  return outcome === 'refunded' || outcome === 'already-refunded' ? getOrder(deps, userId, order.id) : order;
}
