/**
 * The payments table: one row per order, made by its first prepare.
 */
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/dialect';
import type { Database, PaymentRow } from '../../db/schema';

type Db = Kysely<Database>;

export async function findPaymentByOrderId(db: Db, orderId: number): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

export interface Prepay {
  orderId: number;
  outTradeNo: string;
  mchId: string;
  amountFen: number;
  prepayId: string;
  prepayExpiresAt: Date;
}

/**
 * The order's payment row changed by `update`, or made by `insert` when there is none. Two
 * callers at once: the unique index on order_id lets one insert, and the other's change then
 * applies to that row.
 */
async function updateOrInsert(update: () => Promise<bigint>, insert: () => Promise<unknown>): Promise<void> {
  if ((await update()) > 0n) return;
  try {
    await insert();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await update();
  }
}

/**
 * Stores a prepay: the order's row made, or its prepay replaced (only while it is PREPARED: a
 * confirmed payment is never overwritten). Two prepares at once both store a valid prepay id of
 * the same out_trade_no; the last one stays.
 */
export async function savePrepay(db: Db, prepay: Prepay, now: Date): Promise<void> {
  await updateOrInsert(
    async () =>
      (
        await db
          .updateTable('payments')
          .set({ prepay_id: prepay.prepayId, prepay_expires_at: prepay.prepayExpiresAt, amount_fen: prepay.amountFen, updated_at: now })
          .where('order_id', '=', prepay.orderId)
          .where('status', '=', 'PREPARED')
          .executeTakeFirst()
      ).numUpdatedRows,
    () =>
      db
        .insertInto('payments')
        .values({
          order_id: prepay.orderId,
          out_trade_no: prepay.outTradeNo,
          mch_id: prepay.mchId,
          amount_fen: prepay.amountFen,
          status: 'PREPARED',
          prepay_id: prepay.prepayId,
          prepay_expires_at: prepay.prepayExpiresAt,
          transaction_id: null,
          paid_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute(),
  );
}

/**
 * What WeChat Pay confirmed: SUCCESS (the order is PAID) or REFUND_NEEDED (it was already
 * closed). The row is made if the notification came before any stored prepare (it cannot with
 * this server, but the money is real either way).
 */
export async function recordConfirmedPayment(
  db: Db,
  payment: { orderId: number; outTradeNo: string; mchId: string; amountFen: number; transactionId: string | null; paidAt: Date },
  status: 'SUCCESS' | 'REFUND_NEEDED',
  now: Date,
): Promise<void> {
  const values = { status, transaction_id: payment.transactionId, paid_at: payment.paidAt, updated_at: now };
  await updateOrInsert(
    async () => (await db.updateTable('payments').set(values).where('order_id', '=', payment.orderId).executeTakeFirst()).numUpdatedRows,
    () =>
      db
        .insertInto('payments')
        .values({
          order_id: payment.orderId,
          out_trade_no: payment.outTradeNo,
          mch_id: payment.mchId,
          amount_fen: payment.amountFen,
          prepay_id: null,
          prepay_expires_at: null,
          created_at: now,
          ...values,
        })
        .execute(),
  );
}

/** The money went back (a refund SUCCESS): the payment of a paid order, or of one paid after it closed. */
export async function markPaymentRefunded(db: Db, orderId: number, now: Date): Promise<void> {
  await db
    .updateTable('payments')
    .set({ status: 'REFUNDED', updated_at: now })
    .where('order_id', '=', orderId)
    .where('status', 'in', ['SUCCESS', 'REFUND_NEEDED'])
    .execute();
}
