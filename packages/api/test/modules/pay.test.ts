/**
 * WeChat Pay through the router and the notification handler, against the WeChat mock: the
 * prepay (owner only, pending only, reused while valid, wx.requestPayment's paySign), and the
 * notification that alone moves an order to PAID, once, whatever repeats — on both dialects,
 * with the races on MariaDB.
 */
import { sql } from 'kysely';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createContextInner } from '../../src/context';
import { OrderSweeper } from '../../src/modules/order/order-sweeper';
import { chinaTime, handlePaymentNotification, outTradeNoOf, orderIdOfOutTradeNo } from '../../src/modules/pay/pay.service';
import { createCaller } from '../../src/root';
import { verifySha256WithRsa } from '../../src/wechat/pay/crypto';
import { createMysqlTestDatabase, dialects, type TestDatabase } from '../support/databases';
import { appCodeOf } from '../support/errors';
import { MERCHANT_PUBLIC_KEY, paySettingsFor, TEST_MERCHANT } from '../support/pay';
import { UNLIMITED, usePayWorld, type PayWorld } from '../support/pay-world';
import { createTestServices } from '../support/services';
import { TEST_APP } from '../support/wechat';

describe.each(dialects)('WeChat Pay on %s', (_dialect, createTestDatabase) => {
  let testDb: TestDatabase;
  let w: PayWorld;

  usePayWorld(createTestDatabase, (world, db) => {
    w = world;
    testDb = db;
  });

  it("prepares a JSAPI payment: WeChat Pay gets the order's facts, the client gets a paySign it can use", async () => {
    const { caller, openid, order } = await w.pendingOrder(2);
    const params = await caller.pay.prepare({ orderId: order.id });
    expect(params).toMatchObject({ signType: 'RSA', package: expect.stringMatching(/^prepay_id=wx\w+$/) as unknown });
    expect(params.timeStamp).toBe(String(Math.floor(w.clock.now().getTime() / 1000)));
    const signed = `${TEST_APP.appId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
    expect(verifySha256WithRsa(signed, params.paySign, MERCHANT_PUBLIC_KEY)).toBe(true);

    // What WeChat Pay holds (asked through the client: the query's answer is signature-checked too).
    const trade = await w.services.pay!.client.queryByOutTradeNo(outTradeNoOf(order.id));
    expect(trade).toMatchObject({
      appid: TEST_APP.appId,
      mchid: TEST_MERCHANT.mchId,
      trade_state: 'NOTPAY',
      amount: { total: 7800 },
      payer: { openid },
    });
    const stored = await w.payment(order.id);
    expect(stored).toMatchObject({ status: 'PREPARED', out_trade_no: outTradeNoOf(order.id), amount_fen: 7800 });
    // The prepay dies with the order (time_expire = expires_at), not after WeChat Pay's 2 hours.
    expect(stored?.prepay_expires_at?.getTime()).toBe(order.expiresAt.getTime());
    expect(chinaTime(new Date('2026-12-01T02:15:00.000Z'))).toBe('2026-12-01T10:15:00+08:00');
    expect(orderIdOfOutTradeNo(outTradeNoOf(order.id))).toBe(order.id);
  });

  it('reuses a valid prepay without asking WeChat Pay again (fresh nonce and signature each time)', async () => {
    const { caller, order } = await w.pendingOrder();
    const first = await caller.pay.prepare({ orderId: order.id });
    w.mock.world.setFaults({ down: true }); // WeChat Pay unreachable: only a reuse can answer
    try {
      const again = await caller.pay.prepare({ orderId: order.id });
      expect(again.package).toBe(first.package);
      expect(again.nonceStr).not.toBe(first.nonceStr);
    } finally {
      w.mock.world.clearFaults();
    }
  });

  it("prepares only the owner's pending orders, before their deadline", async () => {
    const { caller, order } = await w.pendingOrder();
    const stranger = await w.buyer();
    expect(await appCodeOf(stranger.caller.pay.prepare({ orderId: order.id }))).toBe('ORDER_NOT_FOUND');
    expect(await appCodeOf(caller.pay.prepare({ orderId: 99_999_999 }))).toBe('ORDER_NOT_FOUND');

    const cancelled = await w.pendingOrder();
    await cancelled.caller.order.cancel({ id: cancelled.order.id });
    expect(await appCodeOf(cancelled.caller.pay.prepare({ orderId: cancelled.order.id }))).toBe('ORDER_STATE_CONFLICT');

    const late = await w.pendingOrder();
    const saved = w.clock.now();
    w.clock.set(new Date(late.order.expiresAt.getTime() + 1)); // past its deadline, the sweeper not yet run
    try {
      expect(await appCodeOf(late.caller.pay.prepare({ orderId: late.order.id }))).toBe('ORDER_STATE_CONFLICT');
    } finally {
      w.clock.set(saved);
    }

    const paid = await w.pendingOrder();
    await w.prepareAndPay(paid.caller, paid.order.id);
    expect((await w.notify(paid.order.id)).status).toBe(200);
    expect(await appCodeOf(paid.caller.pay.prepare({ orderId: paid.order.id }))).toBe('ORDER_STATE_CONFLICT');
  });

  it('closes the trade of an order cancelled while WeChat Pay was asked for its prepay, and answers ORDER_STATE_CONFLICT', async () => {
    const { caller, order } = await w.pendingOrder();
    const client = w.services.pay!.client;
    const ask = client.jsapiPrepay.bind(client);
    // The user cancels the order (another page) while WeChat Pay answers: the cancel finds no prepay to close.
    client.jsapiPrepay = async (request) => {
      const answer = await ask(request);
      await caller.order.cancel({ id: order.id });
      return answer;
    };
    try {
      expect(await appCodeOf(caller.pay.prepare({ orderId: order.id }))).toBe('ORDER_STATE_CONFLICT');
    } finally {
      Reflect.deleteProperty(client, 'jsapiPrepay');
    }
    expect((await w.orderRow(order.id)).status).toBe('CLOSED');
    expect(w.mock.world.pay.stateOf(outTradeNoOf(order.id))).toBe('CLOSED');
  });

  it('answers PAYMENT_DISABLED when no merchant is configured', async () => {
    const services = await createTestServices({ db: testDb.db, clock: w.clock, rateLimits: UNLIMITED });
    const { userId, order } = await w.pendingOrder();
    const caller = createCaller(createContextInner(services, { session: { userId, sessionId: 'disabled' } }));
    expect(await appCodeOf(caller.pay.prepare({ orderId: order.id }))).toBe('PAYMENT_DISABLED');
  });

  it('forgets the nonce of a notification the database failed to apply: the same delivery, sent again, pays', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    const delivery = w.mock.world.pay.notificationFor(outTradeNoOf(order.id))!;
    const deliver = () => handlePaymentNotification(w.services, delivery.headers, delivery.body);
    // The paid order's event cannot be written: the transaction fails whole, the webhook answers 5xx.
    await sql`alter table order_events rename to order_events_away`.execute(testDb.db);
    try {
      await expect(deliver()).rejects.toThrow();
    } finally {
      await sql`alter table order_events_away rename to order_events`.execute(testDb.db);
    }
    expect((await w.orderRow(order.id)).status).toBe('PENDING_PAYMENT');
    expect(await deliver()).toEqual({ status: 200, body: null });
    expect((await w.orderRow(order.id)).status).toBe('PAID');
    // Applied, it is remembered again: a replay is refused.
    expect((await deliver()).status).toBe(401);
  });

  it('moves the order to PAID on the verified notification, once; a repeat answers 200 with no second effect', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    expect(await w.notify(order.id)).toEqual({ status: 200, body: null });
    const row = await w.orderRow(order.id);
    expect(row.status).toBe('PAID');
    expect(row.paid_at).toBeInstanceOf(Date);
    expect(await w.payment(order.id)).toMatchObject({
      status: 'SUCCESS',
      transaction_id: expect.stringMatching(/^4200\d{24}$/) as unknown,
    });
    expect(await w.notify(order.id)).toEqual({ status: 200, body: null });
    expect(await w.events(order.id)).toEqual([
      { from_status: null, to_status: 'PENDING_PAYMENT', reason: 'CREATED' },
      { from_status: 'PENDING_PAYMENT', to_status: 'PAID', reason: 'WECHATPAY_NOTIFY' },
    ]);
    expect((await caller.order.get({ id: order.id })).status).toBe('PAID');
  });

  it('refuses, changing nothing: a bad signature (401 SIGN_ERROR), another amount, another merchant or app, another APIv3 key', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    expect(await w.notify(order.id, { badSignature: true })).toEqual({
      status: 401,
      body: { code: 'SIGN_ERROR', message: expect.any(String) as unknown },
    });
    expect((await w.notify(order.id, { transaction: { amount: { total: 1, currency: 'CNY' } } })).status).toBe(400);
    expect((await w.notify(order.id, { transaction: { mchid: '1900000099' } })).status).toBe(400);
    expect((await w.notify(order.id, { transaction: { appid: 'wx00000000000000ff' } })).status).toBe(400);
    expect((await w.notify(order.id, { apiV3Key: 'another-apiv3-key-0123456789abcd' })).status).toBe(400);
    expect((await w.orderRow(order.id)).status).toBe('PENDING_PAYMENT');
    expect(await w.events(order.id)).toHaveLength(1);
    expect((await w.payment(order.id))?.status).toBe('PREPARED');
    // The genuine notification still works afterwards.
    expect((await w.notify(order.id)).status).toBe(200);
    expect((await w.orderRow(order.id)).status).toBe('PAID');
  });

  it('answers 404 for an order it does not know, so that WeChat Pay keeps retrying', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    await testDb.db.deleteFrom('orders').where('id', '=', order.id).execute(); // as after a restore from an older backup
    expect(await w.notify(order.id)).toMatchObject({ status: 404, body: { code: 'FAIL' } });
  });

  it('the active query: paid with the notification held, pay.confirm makes it PAID once; the late notification changes nothing', async () => {
    const { caller, order } = await w.pendingOrder();
    const params = await caller.pay.prepare({ orderId: order.id });
    const outTradeNo = outTradeNoOf(order.id);
    w.mock.world.pay.setFaults({ holdNotifications: true });
    try {
      const paid = w.mock.world.pay.pay({ prepayId: params.package.slice('prepay_id='.length) });
      expect(paid.ok).toBe(true);
      expect(w.mock.world.pay.deliveries.filter((d) => d.outTradeNo === outTradeNo)).toEqual([]); // nothing sent
      expect((await caller.order.get({ id: order.id })).status).toBe('PENDING_PAYMENT');

      const confirmed = await caller.pay.confirm({ orderId: order.id });
      expect(confirmed.status).toBe('PAID');
      expect(confirmed.paidAt).toBeInstanceOf(Date);
      expect(await w.payment(order.id)).toMatchObject({ status: 'SUCCESS', transaction_id: paid.ok ? paid.transactionId : null });
      const requests = w.mock.world.stats.requests;
      expect((await caller.pay.confirm({ orderId: order.id })).status).toBe('PAID');
      expect(w.mock.world.stats.requests).toBe(requests); // a paid order is answered without asking

      expect(await w.notify(order.id)).toEqual({ status: 200, body: null }); // the late notification
      expect(await w.events(order.id)).toEqual([
        { from_status: null, to_status: 'PENDING_PAYMENT', reason: 'CREATED' },
        { from_status: 'PENDING_PAYMENT', to_status: 'PAID', reason: 'WECHATPAY_QUERY' },
      ]);
    } finally {
      w.mock.world.pay.setFaults({ holdNotifications: false });
    }
  });

  it('the active query leaves the order pending while WeChat Pay says NOTPAY, and applies SUCCESS when it does', async () => {
    const { caller, order } = await w.pendingOrder();
    const params = await caller.pay.prepare({ orderId: order.id });
    expect((await caller.pay.confirm({ orderId: order.id })).status).toBe('PENDING_PAYMENT'); // not paid: NOTPAY
    w.mock.world.pay.setFaults({ queryNotPay: 2 }); // paid, but WeChat Pay's query lags
    try {
      expect(w.mock.world.pay.pay({ prepayId: params.package.slice('prepay_id='.length) }, { notify: false }).ok).toBe(true);
      expect((await caller.pay.confirm({ orderId: order.id })).status).toBe('PENDING_PAYMENT');
      expect((await caller.pay.confirm({ orderId: order.id })).status).toBe('PENDING_PAYMENT');
      expect((await w.orderRow(order.id)).status).toBe('PENDING_PAYMENT');
      expect((await w.payment(order.id))?.status).toBe('PREPARED');
      expect((await caller.pay.confirm({ orderId: order.id })).status).toBe('PAID');
    } finally {
      w.mock.world.pay.setFaults({ queryNotPay: 0 });
    }
    expect((await w.events(order.id)).filter((e) => e.to_status === 'PAID')).toHaveLength(1);
  });

  it('the active query: only with a prepay, only for the owner, limited per user', async () => {
    const { caller, order } = await w.pendingOrder();
    const requests = w.mock.world.stats.requests;
    expect((await caller.pay.confirm({ orderId: order.id })).status).toBe('PENDING_PAYMENT');
    expect(w.mock.world.stats.requests).toBe(requests); // never prepared: WeChat Pay knows no trade to ask about
    const stranger = await w.buyer();
    expect(await appCodeOf(stranger.caller.pay.confirm({ orderId: order.id }))).toBe('ORDER_NOT_FOUND');

    const limited = await createTestServices({
      db: testDb.db,
      clock: w.clock,
      rateLimits: { ...UNLIMITED, payQueryPerUser: { points: 2, durationSeconds: 60 } },
      pay: paySettingsFor(w.mock),
    });
    const own = await w.pendingOrder();
    await own.caller.pay.prepare({ orderId: own.order.id });
    const limitedCaller = createCaller(createContextInner(limited, { session: { userId: own.userId, sessionId: 'limited' } }));
    await limitedCaller.pay.confirm({ orderId: own.order.id });
    await limitedCaller.pay.confirm({ orderId: own.order.id });
    expect(await appCodeOf(limitedCaller.pay.confirm({ orderId: own.order.id }))).toBe('RATE_LIMITED');
  });

  it("a cancel closes the order's trade at WeChat Pay too: the mock then refuses to take the payment", async () => {
    const { caller, order } = await w.pendingOrder();
    const params = await caller.pay.prepare({ orderId: order.id });
    expect((await caller.order.cancel({ id: order.id })).status).toBe('CLOSED');
    expect(w.mock.world.pay.stateOf(outTradeNoOf(order.id))).toBe('CLOSED');
    const paying = await fetch(`${w.mock.url}/__dev/pay`, {
      method: 'POST',
      body: JSON.stringify({ prepayId: params.package.slice('prepay_id='.length) }),
    });
    expect(paying.status).toBe(409);
    expect(await paying.json()).toEqual({ ok: false, error: 'the trade is closed' });
  });

  it('a cancel with WeChat Pay unreachable still closes the order (the trade expires there at the deadline)', async () => {
    const { caller, order } = await w.pendingOrder();
    await caller.pay.prepare({ orderId: order.id });
    w.mock.world.setFaults({ down: true });
    try {
      expect((await caller.order.cancel({ id: order.id })).status).toBe('CLOSED');
    } finally {
      w.mock.world.clearFaults();
    }
    expect(w.mock.world.pay.stateOf(outTradeNoOf(order.id))).toBe('NOTPAY');
  });

  // Last in this block: the sweep closes every order of the block that is still pending.
  it("the sweeper closes an unpaid order's trade at WeChat Pay too", async () => {
    const prepared = await w.pendingOrder();
    await prepared.caller.pay.prepare({ orderId: prepared.order.id });
    const saved = w.clock.now();
    w.clock.set(new Date(prepared.order.expiresAt.getTime() + 1));
    try {
      const sweeper = new OrderSweeper({ db: testDb.db, clock: w.clock, logger: pino({ level: 'silent' }), pay: w.services.pay });
      expect(await sweeper.sweep()).toBeGreaterThanOrEqual(1);
    } finally {
      w.clock.set(saved);
    }
    expect((await w.orderRow(prepared.order.id)).status).toBe('CLOSED');
    expect(w.mock.world.pay.stateOf(outTradeNoOf(prepared.order.id))).toBe('CLOSED');
  });
});

describe('concurrent notifications (MariaDB)', () => {
  let w: PayWorld;
  usePayWorld(createMysqlTestDatabase, (world) => {
    w = world;
  });

  it('20 notifications of one payment at once: PAID once, one PAID event, every one answered 200', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    const answers = await Promise.all(Array.from({ length: 20 }, () => w.notify(order.id)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect((await w.events(order.id)).filter((e) => e.to_status === 'PAID')).toHaveLength(1);
    expect((await w.orderRow(order.id)).status).toBe('PAID');
  });

  it('the active query racing the notification: PAID once, whichever applies first', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    const [answer, confirmed] = await Promise.all([w.notify(order.id), caller.pay.confirm({ orderId: order.id })]);
    expect(answer.status).toBe(200);
    expect(confirmed.status).toBe('PAID');
    expect((await w.events(order.id)).filter((e) => e.to_status === 'PAID')).toHaveLength(1);
  });

  it('a notification racing a cancel: the order ends PAID or CLOSED (REFUND_NEEDED), never both', async () => {
    const { caller, order } = await w.pendingOrder();
    await w.prepareAndPay(caller, order.id);
    const [answer] = await Promise.all([w.notify(order.id), caller.order.cancel({ id: order.id }).catch(() => null)]);
    expect(answer.status).toBe(200);
    const row = await w.orderRow(order.id);
    const toStates = (await w.events(order.id)).map((e) => e.to_status).slice(1);
    expect(toStates).toEqual([row.status]);
    expect((await w.payment(order.id))?.status).toBe(row.status === 'PAID' ? 'SUCCESS' : 'REFUND_NEEDED');
  });
});
