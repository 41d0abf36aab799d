/**
 * Refunds through WeChat Pay, against the mock: pay.refund (owner only, PAID only, once), the
 * durable job that asks WeChat Pay, and WeChat Pay's word (its answer, notification or our
 * query) moving the order REFUNDING → REFUNDED once, whatever order it arrives in — on both
 * dialects, with the races on MariaDB. Also the automatic refund of an order paid after it closed.
 */
import { describe, expect, it } from 'vitest';
import { PermanentJobError } from '../../src/jobs/job-runner';
import { handlePaymentNotification, outTradeNoOf } from '../../src/modules/pay/pay.service';
import {
  applyRefundResult,
  outRefundNoOf,
  PAID_AFTER_CLOSE_REASON,
  REFUND_JOB,
  refundJobHandler,
} from '../../src/modules/pay/refund.service';
import { createMysqlTestDatabase, dialects, type TestDatabase } from '../support/databases';
import { appCodeOf } from '../support/errors';
import { UNLIMITED, usePayWorld, type PayWorld } from '../support/pay-world';
import { createTestServices } from '../support/services';

describe.each(dialects)('refunds on %s', (_dialect, createTestDatabase) => {
  let testDb: TestDatabase;
  let w: PayWorld;
  /** The refund job of the order, run as the job runner would. */
  const runRefundJob = (orderId: number) => refundJobHandler(w.services)({ orderId });
  const refundAtMock = (orderId: number) => w.mock.world.pay.refundStateOf(outRefundNoOf(orderId));

  usePayWorld(createTestDatabase, (world, db) => {
    w = world;
    testDb = db;
  });

  it('refunds a paid order in full: REFUNDING at once, the job asks WeChat Pay, its notification makes it REFUNDED once', async () => {
    const { caller, order } = await w.paidOrder();
    const refunding = await caller.pay.refund({ orderId: order.id, reason: ' 不想要了 ' });
    expect(refunding).toMatchObject({ status: 'REFUNDING', refundedAt: null });
    expect(await w.refund(order.id)).toMatchObject({
      status: 'REQUESTED',
      out_refund_no: outRefundNoOf(order.id),
      out_trade_no: outTradeNoOf(order.id),
      amount_fen: order.totalFen,
      reason: '不想要了',
      refund_id: null,
    });
    const jobs = await w.jobsOf(REFUND_JOB, order.id);
    expect(jobs).toHaveLength(1);

    await runRefundJob(order.id);
    expect(await w.refund(order.id)).toMatchObject({ status: 'PROCESSING', refund_id: expect.stringMatching(/^50\d{27}$/) as unknown });
    expect((await caller.order.get({ id: order.id })).status).toBe('REFUNDING');
    await expect.poll(() => refundAtMock(order.id)).toBe('SUCCESS');

    expect(await w.notifyRefund(order.id)).toEqual({ status: 200, body: null });
    const refunded = await caller.order.get({ id: order.id });
    expect(refunded.status).toBe('REFUNDED');
    expect(refunded.refundedAt).toBeInstanceOf(Date);
    expect((await w.refund(order.id))?.status).toBe('SUCCESS');
    expect((await w.payment(order.id))?.status).toBe('REFUNDED');
    expect(w.mock.world.pay.stateOf(outTradeNoOf(order.id))).toBe('REFUND');

    // A repeat of the notification, and the payment's own notification arriving late: no effect.
    expect(await w.notifyRefund(order.id)).toEqual({ status: 200, body: null });
    expect(await w.notify(order.id)).toEqual({ status: 200, body: null });
    expect((await w.orderRow(order.id)).status).toBe('REFUNDED');
    expect((await w.payment(order.id))?.status).toBe('REFUNDED');
    expect(await w.events(order.id)).toEqual([
      { from_status: null, to_status: 'PENDING_PAYMENT', reason: 'CREATED' },
      { from_status: 'PENDING_PAYMENT', to_status: 'PAID', reason: 'WECHATPAY_NOTIFY' },
      { from_status: 'PAID', to_status: 'REFUNDING', reason: 'USER_REQUEST' },
      { from_status: 'REFUNDING', to_status: 'REFUNDED', reason: 'WECHATPAY_REFUND_NOTIFY' },
    ]);
  });

  it('asks once: a repeated pay.refund answers the order, a second run of the job asks WeChat Pay nothing', async () => {
    const { caller, order } = await w.paidOrder();
    await caller.pay.refund({ orderId: order.id });
    expect((await caller.pay.refund({ orderId: order.id })).status).toBe('REFUNDING');
    expect(await w.jobsOf(REFUND_JOB, order.id)).toHaveLength(1);
    await runRefundJob(order.id);
    const requests = w.mock.world.stats.requests;
    await runRefundJob(order.id); // at least once: a job may run again after its lease
    expect(w.mock.world.stats.requests).toBe(requests);
    expect((await w.refund(order.id))?.reason).toBeNull();
  });

  it("refunds only the owner's paid orders, with a reason WeChat Pay takes", async () => {
    const { caller, order } = await w.paidOrder();
    const stranger = await w.buyer();
    expect(await appCodeOf(stranger.caller.pay.refund({ orderId: order.id }))).toBe('ORDER_NOT_FOUND');
    await expect(caller.pay.refund({ orderId: order.id, reason: '退'.repeat(81) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller.pay.refund({ orderId: order.id, reason: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const pending = await w.pendingOrder();
    expect(await appCodeOf(pending.caller.pay.refund({ orderId: pending.order.id }))).toBe('ORDER_STATE_CONFLICT');
    await pending.caller.order.cancel({ id: pending.order.id });
    expect(await appCodeOf(pending.caller.pay.refund({ orderId: pending.order.id }))).toBe('ORDER_STATE_CONFLICT');
    expect(await w.refund(pending.order.id)).toBeUndefined();
    // A paid order is refunded, never cancelled.
    expect(await appCodeOf(caller.order.cancel({ id: order.id }))).toBe('ORDER_STATE_CONFLICT');

    const disabled = await createTestServices({ db: testDb.db, clock: w.clock, rateLimits: UNLIMITED });
    await expect(refundJobHandler(disabled)({ orderId: order.id })).rejects.toBeInstanceOf(PermanentJobError);
  });

  it("out of order: WeChat Pay's SUCCESS applied before the refund's own PROCESSING answer; the later word changes nothing", async () => {
    const { caller, order } = await w.paidOrder();
    await caller.pay.refund({ orderId: order.id });
    await runRefundJob(order.id);
    await expect.poll(() => refundAtMock(order.id)).toBe('SUCCESS');
    expect((await w.notifyRefund(order.id)).status).toBe(200);
    const row = await w.refund(order.id);
    // The answer to the refund request (PROCESSING), arriving after the notification.
    const late = {
      out_refund_no: outRefundNoOf(order.id),
      out_trade_no: outTradeNoOf(order.id),
      refund_id: row?.refund_id ?? '',
      status: 'PROCESSING' as const,
      amount: { refund: order.totalFen, total: order.totalFen },
    };
    expect(await applyRefundResult(w.services, w.services.pay!, late, 'WECHATPAY_REFUND_ANSWER')).toBe('recorded');
    expect(await w.refund(order.id)).toEqual(row);
    expect((await w.orderRow(order.id)).status).toBe('REFUNDED');
  });

  it('refuses, changing nothing: another amount, another merchant or trade (400), an unknown refund (404), a bad signature (401)', async () => {
    const { caller, order } = await w.paidOrder();
    await caller.pay.refund({ orderId: order.id });
    await runRefundJob(order.id);
    await expect.poll(() => refundAtMock(order.id)).toBe('SUCCESS');
    const amount = { total: order.totalFen, refund: 1, payer_total: order.totalFen, payer_refund: 1 };
    expect((await w.notifyRefund(order.id, { refund: { amount } })).status).toBe(400);
    expect((await w.notifyRefund(order.id, { refund: { mchid: '1900000099' } })).status).toBe(400);
    expect((await w.notifyRefund(order.id, { refund: { out_trade_no: outTradeNoOf(order.id + 1000) } })).status).toBe(400);
    expect(await w.notifyRefund(order.id, { refund: { out_refund_no: 'REFUND9999999999' } })).toMatchObject({ status: 404 });
    const row = await w.refund(order.id);
    const signed = w.mock.world.pay.refundNotificationFor(row!.out_refund_no)!;
    const tampered = signed.body.replace('"REFUND.SUCCESS"', '"REFUND.CLOSED"');
    expect((await handlePaymentNotification(w.services, signed.headers, tampered)).status).toBe(401);
    expect((await w.orderRow(order.id)).status).toBe('REFUNDING');
    expect((await w.refund(order.id))?.status).toBe('PROCESSING');
    expect((await w.notifyRefund(order.id)).status).toBe(200); // the genuine one still works
    expect((await w.orderRow(order.id)).status).toBe('REFUNDED');
  });

  it('pay.confirm on a REFUNDING order asks WeChat Pay about the refund: REFUNDED without the notification', async () => {
    const { caller, order } = await w.paidOrder();
    await caller.pay.refund({ orderId: order.id });
    const requests = w.mock.world.stats.requests;
    expect((await caller.pay.confirm({ orderId: order.id })).status).toBe('REFUNDING');
    expect(w.mock.world.stats.requests).toBe(requests); // not yet asked of WeChat Pay: nothing to query
    await runRefundJob(order.id);
    await expect.poll(() => refundAtMock(order.id)).toBe('SUCCESS');
    const confirmed = await caller.pay.confirm({ orderId: order.id });
    expect(confirmed.status).toBe('REFUNDED');
    expect((await w.events(order.id)).at(-1)).toEqual({
      from_status: 'REFUNDING',
      to_status: 'REFUNDED',
      reason: 'WECHATPAY_REFUND_QUERY',
    });
  });

  it('a refund ending ABNORMAL is recorded and the order stays REFUNDING until WeChat Pay says SUCCESS', async () => {
    const { caller, order } = await w.paidOrder();
    await caller.pay.refund({ orderId: order.id });
    w.mock.world.pay.setFaults({ abnormalRefunds: 1 });
    await runRefundJob(order.id);
    await expect.poll(() => refundAtMock(order.id)).toBe('ABNORMAL');
    expect((await w.notifyRefund(order.id)).status).toBe(200);
    expect((await w.refund(order.id))?.status).toBe('ABNORMAL');
    expect((await w.orderRow(order.id)).status).toBe('REFUNDING');
    // The merchant had it paid back another way (商户平台 → 异常退款): WeChat Pay then says SUCCESS.
    const success = { refund_status: 'SUCCESS', success_time: '2026-12-01T10:15:00+08:00' };
    expect((await w.notifyRefund(order.id, { refund: success })).status).toBe(200);
    const row = await w.orderRow(order.id);
    expect(row.status).toBe('REFUNDED');
    expect(row.refunded_at?.toISOString()).toBe('2026-12-01T02:15:00.000Z');
  });

  it('gives the job up on a refusal a retry cannot change, and retries what it can', async () => {
    const { caller, order } = await w.paidOrder();
    await caller.pay.refund({ orderId: order.id });
    w.mock.world.setFaults({ down: true });
    try {
      await expect(runRefundJob(order.id)).rejects.not.toBeInstanceOf(PermanentJobError); // retried later
    } finally {
      w.mock.world.clearFaults();
    }
    expect((await w.refund(order.id))?.status).toBe('REQUESTED');
    // A refund naming a trade WeChat Pay does not know: RESOURCE_NOT_EXISTS, final.
    await testDb.db.updateTable('refunds').set({ out_trade_no: 'ORDER9999999999' }).where('order_id', '=', order.id).execute();
    await expect(runRefundJob(order.id)).rejects.toBeInstanceOf(PermanentJobError);
    expect((await w.refund(order.id))?.status).toBe('REQUESTED');
    expect((await w.orderRow(order.id)).status).toBe('REFUNDING');
  });

  it('an order paid after it closed stays CLOSED and its payment is refunded, once, automatically', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    await caller.order.cancel({ id: order.id }); // the cancel won the race against the payment
    expect((await w.notify(order.id)).status).toBe(200);
    expect((await w.notify(order.id)).status).toBe(200); // a repeat: no second refund
    expect((await w.payment(order.id))?.status).toBe('REFUND_NEEDED');
    expect(await w.refund(order.id)).toMatchObject({ status: 'REQUESTED', reason: PAID_AFTER_CLOSE_REASON, amount_fen: order.totalFen });
    expect(await w.jobsOf(REFUND_JOB, order.id)).toHaveLength(1);

    await runRefundJob(order.id);
    await expect.poll(() => refundAtMock(order.id)).toBe('SUCCESS');
    expect((await w.notifyRefund(order.id)).status).toBe(200);
    expect((await w.payment(order.id))?.status).toBe('REFUNDED');
    expect((await w.notify(order.id)).status).toBe(200); // the payment's notification again, late
    expect((await w.payment(order.id))?.status).toBe('REFUNDED');
    const row = await w.orderRow(order.id);
    expect(row).toMatchObject({ status: 'CLOSED', refunded_at: null });
    expect((await w.events(order.id)).map((e) => e.to_status)).toEqual(['PENDING_PAYMENT', 'CLOSED']);
  });
});

describe('concurrent refunds (MariaDB)', () => {
  let w: PayWorld;
  usePayWorld(createMysqlTestDatabase, (world) => {
    w = world;
  });

  it('five taps on 申请退款 at once: one refund, one job, one REFUNDING event', async () => {
    const { caller, order } = await w.paidOrder();
    const answers = await Promise.all(Array.from({ length: 5 }, () => caller.pay.refund({ orderId: order.id })));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill('REFUNDING'));
    expect(await w.jobsOf(REFUND_JOB, order.id)).toHaveLength(1);
    expect((await w.events(order.id)).filter((e) => e.to_status === 'REFUNDING')).toHaveLength(1);
  });

  it('20 refund notifications at once, beside the query: REFUNDED once, every notification answered 200', async () => {
    const { caller, order } = await w.paidOrder();
    await caller.pay.refund({ orderId: order.id });
    await refundJobHandler(w.services)({ orderId: order.id });
    await expect.poll(() => w.mock.world.pay.refundStateOf(outRefundNoOf(order.id))).toBe('SUCCESS');
    const [answers, confirmed] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => w.notifyRefund(order.id))),
      caller.pay.confirm({ orderId: order.id }),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(confirmed.status).toBe('REFUNDED');
    expect((await w.events(order.id)).filter((e) => e.to_status === 'REFUNDED')).toHaveLength(1);
  });
});
