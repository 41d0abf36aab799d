/**
 * The telemetry seam (src/telemetry.ts): what the services tell a metrics backend, checked with a
 * recording Telemetry against the real parts (the WeChat mock over HTTP, the rate limiter, orders
 * and WeChat Pay on the embedded SQLite). Each event once, and only once its change committed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { insertProduct } from '../src/modules/catalog/catalog.repository';
import { OrderSweeper } from '../src/modules/order/order-sweeper';
import { outRefundNoOf, refundJobHandler } from '../src/modules/pay/refund.service';
import { RateLimits } from '../src/rate-limits';
import type { Telemetry } from '../src/telemetry';
import { createSqliteTestDatabase, type TestDatabase } from './support/databases';
import { appCodeOf } from './support/errors';
import { usePayWorld, type PayWorld } from './support/pay-world';
import { createTestWeChatClient, useTestMock } from './support/wechat';

type Event = [keyof Telemetry, ...unknown[]];

/** A Telemetry that keeps every event, durations left out (they vary). */
function recording(): Telemetry & { events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    wechatCall: (endpoint, result, durationMs) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      events.push(['wechatCall', endpoint, result]);
    },
    breakerTransition: (state) => events.push(['breakerTransition', state]),
    tokenRefresh: (forced) => events.push(['tokenRefresh', forced]),
    rateLimited: (limiter) => events.push(['rateLimited', limiter]),
    // As a counter takes it: `count` transitions at once are `count` events.
    orderTransition: (to, reason, count = 1) => {
      for (let i = 0; i < count; i += 1) events.push(['orderTransition', to, reason]);
    },
    paymentNotification: (kind, outcome) => events.push(['paymentNotification', kind, outcome]),
  };
}

describe('the WeChat client', () => {
  const mock = useTestMock();

  it('tells each attempt with its errcode or why it had none, and the breaker moving', async () => {
    const telemetry = recording();
    const client = createTestWeChatClient(mock, { retries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 100, telemetry });
    await client.code2Session(mock.world.issueLoginCode('tele'));
    expect(await appCodeOf(client.code2Session('no-such-code'))).toBe('WECHAT_CODE_INVALID');
    mock.world.setFaults({ down: true });
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('tele')))).toBe('WECHAT_UNAVAILABLE');
    // Open: refused without a call to WeChat, so no wechatCall.
    expect(await appCodeOf(client.code2Session(mock.world.issueLoginCode('tele')))).toBe('WECHAT_UNAVAILABLE');
    mock.world.clearFaults();
    await sleep(150);
    await client.code2Session(mock.world.issueLoginCode('tele'));
    expect(telemetry.events).toEqual([
      ['wechatCall', 'sns/jscode2session', 0],
      ['wechatCall', 'sns/jscode2session', 40029],
      ['wechatCall', 'sns/jscode2session', 'network'],
      ['breakerTransition', 'open'],
      ['breakerTransition', 'half-open'],
      ['wechatCall', 'sns/jscode2session', 0],
      ['breakerTransition', 'closed'],
    ]);
  });

  it('tells each access token it fetched, and whether it was forced', async () => {
    const telemetry = recording();
    const client = createTestWeChatClient(mock, { telemetry });
    await Promise.all([client.getAccessToken(), client.getAccessToken()]);
    // Someone else force-refreshed: ours is rejected (40001) and replaced by the one in force.
    mock.world.stableToken({
      grant_type: 'client_credential',
      appid: client.appId,
      secret: 'test-app-secret-0123456789abcdef',
      force_refresh: true,
    });
    await client.getPhoneNumber(mock.world.issuePhoneCode('13800138000'));
    // WeChat rejects the token stable_token still hands out: a new one is forced.
    mock.world.setFaults({ errcode: 40001, errcodeTimes: 1 });
    await client.getPhoneNumber(mock.world.issuePhoneCode('13800138001'));
    expect(telemetry.events.filter(([name]) => name === 'tokenRefresh')).toEqual([
      ['tokenRefresh', false],
      ['tokenRefresh', false],
      ['tokenRefresh', false],
      ['tokenRefresh', true],
    ]);
    expect(telemetry.events.filter(([name]) => name === 'wechatCall')).toEqual([
      ['wechatCall', 'cgi-bin/stable_token', 0],
      ['wechatCall', 'wxa/business/getuserphonenumber', 40001],
      ['wechatCall', 'cgi-bin/stable_token', 0],
      ['wechatCall', 'wxa/business/getuserphonenumber', 0],
      ['wechatCall', 'wxa/business/getuserphonenumber', 40001],
      ['wechatCall', 'cgi-bin/stable_token', 0],
      ['wechatCall', 'cgi-bin/stable_token', 0],
      ['wechatCall', 'wxa/business/getuserphonenumber', 0],
    ]);
  });
});

describe('rate limits', () => {
  it('tell each refusal by limiter', async () => {
    const telemetry = recording();
    const limits = new RateLimits(null, { loginPerCode: { points: 2, durationSeconds: 60 } }, telemetry);
    for (let i = 0; i < 2; i += 1) await limits.consume('loginPerCode', 'code-1');
    expect(await appCodeOf(limits.consume('loginPerCode', 'code-1'))).toBe('RATE_LIMITED');
    expect(telemetry.events).toEqual([['rateLimited', 'loginPerCode']]);
  });
});

describe('orders and WeChat Pay', () => {
  let w: PayWorld;
  let testDb: TestDatabase;
  let telemetry: ReturnType<typeof recording>;
  usePayWorld(createSqliteTestDatabase, (world, db) => {
    w = world;
    testDb = db;
  });
  beforeEach(() => {
    telemetry = recording();
    // Callers and the notification handler read the services' telemetry when they run.
    w.services.telemetry = telemetry;
  });

  it('a new order, not its repeat nor one that could not be filled; a cancel; a close on time', async () => {
    const { caller, order } = await w.pendingOrder();
    await caller.order.create({ items: [{ productId: order.items[0]!.productId, quantity: 1 }], idempotencyKey: 'x'.repeat(16) });
    await caller.order.create({ items: [{ productId: order.items[0]!.productId, quantity: 1 }], idempotencyKey: 'x'.repeat(16) });
    const lastOne = await insertProduct(
      testDb.db,
      { title: '孤品', description: '', priceFen: 100, stock: 1, imageUrl: null },
      w.clock.now(),
    );
    expect(await appCodeOf(caller.order.create({ items: [{ productId: lastOne, quantity: 2 }], idempotencyKey: 'y'.repeat(16) }))).toBe(
      'OUT_OF_STOCK',
    );
    await caller.order.cancel({ id: order.id });
    await caller.order.cancel({ id: order.id });
    w.clock.advance(16 * 60_000);
    await new OrderSweeper({ db: testDb.db, clock: w.clock, logger: pino({ level: 'silent' }), telemetry }).sweep();
    expect(telemetry.events).toEqual([
      ['orderTransition', 'PENDING_PAYMENT', 'CREATED'],
      ['orderTransition', 'PENDING_PAYMENT', 'CREATED'],
      ['orderTransition', 'CLOSED', 'CANCELLED'],
      ['orderTransition', 'CLOSED', 'TIMEOUT'],
    ]);
  });

  it('a payment once however often it is notified, a refund, and each notification by outcome', async () => {
    const { caller, order } = await w.paidOrder();
    expect((await w.notify(order.id)).status).toBe(200);
    expect((await w.notify(order.id, { badSignature: true })).status).toBe(401);
    await caller.pay.refund({ orderId: order.id });
    await caller.pay.refund({ orderId: order.id });
    // The job asks WeChat Pay (PROCESSING); the refund succeeds there; its notification says so.
    await refundJobHandler(w.services)({ orderId: order.id });
    await expect.poll(() => w.mock.world.pay.refundStateOf(outRefundNoOf(order.id))).toBe('SUCCESS');
    expect((await w.notifyRefund(order.id)).status).toBe(200);
    expect((await w.notifyRefund(order.id)).status).toBe(200);
    expect(telemetry.events.filter(([name]) => name !== 'wechatCall')).toEqual([
      ['orderTransition', 'PENDING_PAYMENT', 'CREATED'],
      ['orderTransition', 'PAID', 'WECHATPAY_NOTIFY'],
      ['paymentNotification', 'transaction', 'paid'],
      ['paymentNotification', 'transaction', 'already-paid'],
      ['paymentNotification', 'unread', 'signature-refused'],
      ['orderTransition', 'REFUNDING', 'USER_REQUEST'],
      ['orderTransition', 'REFUNDED', 'WECHATPAY_REFUND_NOTIFY'],
      ['paymentNotification', 'refund', 'refunded'],
      ['paymentNotification', 'refund', 'already-refunded'],
    ]);
  });
});
