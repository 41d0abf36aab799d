/**
 * The refunds table: one row per refunded order, made with the refund's job in the transaction
 * that decided the refund; WeChat Pay's word on it written as it comes.
 */
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/dialect';
import type { Database, RefundRow, RefundsTable } from '../../db/schema';

type Db = Kysely<Database>;

export async function findRefundByOrderId(db: Db, orderId: number): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

export async function findRefundByOutRefundNo(db: Db, outRefundNo: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('out_refund_no', '=', outRefundNo).executeTakeFirst();
}

export interface NewRefund {
  orderId: number;
  outRefundNo: string;
  outTradeNo: string;
  amountFen: number;
  reason: string | null;
}

/** The order's refund, REQUESTED; false when the order has one already (the unique index says so). */
export async function insertRefund(db: Db, refund: NewRefund, now: Date): Promise<boolean> {
  try {
    await db
      .insertInto('refunds')
      .values({
        order_id: refund.orderId,
        out_refund_no: refund.outRefundNo,
        out_trade_no: refund.outTradeNo,
        amount_fen: refund.amountFen,
        reason: refund.reason,
        status: 'REQUESTED',
        refund_id: null,
        succeeded_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

type RefundStatus = RefundsTable['status'];

/**
 * The states each state may follow. ABNORMAL (the user's card closed, say) still ends in SUCCESS
 * or CLOSED once the merchant acts in the console; nothing goes back to PROCESSING.
 */
const FOLLOWS: Record<Exclude<RefundStatus, 'REQUESTED'>, readonly RefundStatus[]> = {
  PROCESSING: ['REQUESTED'],
  ABNORMAL: ['REQUESTED', 'PROCESSING'],
  SUCCESS: ['REQUESTED', 'PROCESSING', 'ABNORMAL'],
  CLOSED: ['REQUESTED', 'PROCESSING', 'ABNORMAL'],
};

/**
 * WeChat Pay's state of a refund, written only over a state it may follow, so that whatever
 * order the refund's answer, its notifications and our queries arrive in, a later word never
 * undoes an earlier one (a PROCESSING answer arriving after the SUCCESS notification changes
 * nothing). True when the row changed.
 */
export async function recordRefundState(
  db: Db,
  id: number,
  state: { status: Exclude<RefundStatus, 'REQUESTED'>; refundId: string | null; succeededAt: Date | null },
  now: Date,
): Promise<boolean> {
  let update = db.updateTable('refunds').set({ status: state.status, succeeded_at: state.succeededAt, updated_at: now });
  if (state.refundId) update = update.set({ refund_id: state.refundId });
  const result = await update.where('id', '=', id).where('status', 'in', FOLLOWS[state.status]).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
