/**
 * A shop with the WeChat Pay mock and payment enabled, on one test database: buyers with their
 * own callers, pending orders, and WeChat Pay's notifications handed to the handler as the
 * webhook would.
 */
import type { RunningWeChatMock } from '@app/wechat-mock';
import { afterAll, beforeAll, expect } from 'vitest';
import { createContextInner } from '../../src/context';
import { insertProduct } from '../../src/modules/catalog/catalog.repository';
import { handlePaymentNotification, outTradeNoOf } from '../../src/modules/pay/pay.service';
import { insertUser } from '../../src/modules/user/user.repository';
import { createCaller } from '../../src/root';
import type { TestDatabase } from './databases';
import { paySettingsFor, startPayMock } from './pay';
import { createTestServices, testClock } from './services';

export const UNLIMITED = { mutationsPerUser: { points: 1_000_000, durationSeconds: 60 } };
let keys = 0;
const newKey = () => `pay-key-${process.pid}-${(keys += 1).toString().padStart(8, '0')}`;

/** A shop with the mock and payment enabled, on one test database. */
export async function payWorld(testDb: TestDatabase) {
  const clock = testClock(new Date());
  // Refunds finish at the mock 10 ms after they are asked (WeChat Pay: seconds).
  const mock = await startPayMock(clock, { refundDelayMs: 10 });
  const services = await createTestServices({ db: testDb.db, clock, rateLimits: UNLIMITED, pay: paySettingsFor(mock) });
  let users = 0;
  const productId = await insertProduct(
    testDb.db,
    { title: '青瓷茶杯', description: '', priceFen: 3900, stock: 1000, imageUrl: null },
    clock.now(),
  );
  async function buyer() {
    users += 1;
    const openid = `o-pay-${users}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const user = await insertUser(testDb.db, { openid, unionid: null }, clock.now());
    const caller = createCaller(createContextInner(services, { session: { userId: user.id, sessionId: `s-${user.id}` } }));
    return { userId: user.id, openid, caller };
  }
  async function pendingOrder(quantity = 2) {
    const b = await buyer();
    const order = await b.caller.order.create({ items: [{ productId, quantity }], idempotencyKey: newKey() });
    return { ...b, order };
  }
  const events = (orderId: number) =>
    testDb.db
      .selectFrom('order_events')
      .select(['from_status', 'to_status', 'reason'])
      .where('order_id', '=', orderId)
      .orderBy('id')
      .execute();
  const orderRow = (orderId: number) => testDb.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
  const payment = (orderId: number) => testDb.db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  /** WeChat Pay's notification of the order, handed to the handler as the webhook would. */
  const notify = (orderId: number, options: Parameters<RunningWeChatMock['world']['pay']['notificationFor']>[1] = {}) => {
    const notification = mock.world.pay.notificationFor(outTradeNoOf(orderId), options);
    if (!notification) throw new Error(`no trade for order ${orderId}`);
    return handlePaymentNotification(services, notification.headers, notification.body);
  };
  const prepareAndPay = async (caller: Awaited<ReturnType<typeof buyer>>['caller'], orderId: number) => {
    const params = await caller.pay.prepare({ orderId });
    const paid = mock.world.pay.pay({ prepayId: params.package.slice('prepay_id='.length) }, { notify: false });
    expect(paid.ok).toBe(true);
    return params;
  };
  /** An order paid by the verified notification. */
  const paidOrder = async () => {
    const bought = await pendingOrder();
    await prepareAndPay(bought.caller, bought.order.id);
    expect((await notify(bought.order.id)).status).toBe(200);
    return bought;
  };
  const refund = (orderId: number) => testDb.db.selectFrom('refunds').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  /** WeChat Pay's notification of the order's refund (in its state at the mock), handed to the handler. */
  const notifyRefund = async (orderId: number, options: Parameters<RunningWeChatMock['world']['pay']['refundNotificationFor']>[1] = {}) => {
    const row = await refund(orderId);
    const notification = row ? mock.world.pay.refundNotificationFor(row.out_refund_no, options) : null;
    if (!notification) throw new Error(`no refund for order ${orderId}`);
    return handlePaymentNotification(services, notification.headers, notification.body);
  };
  /** The durable jobs of one kind written for an order. */
  const jobsOf = async (kind: string, orderId: number) =>
    (await testDb.db.selectFrom('jobs').selectAll().where('kind', '=', kind).execute()).filter(
      (job) => (JSON.parse(job.payload) as { orderId?: unknown }).orderId === orderId,
    );
  return {
    clock,
    mock,
    services,
    buyer,
    pendingOrder,
    paidOrder,
    events,
    orderRow,
    payment,
    refund,
    jobsOf,
    notify,
    notifyRefund,
    prepareAndPay,
  };
}

export type PayWorld = Awaited<ReturnType<typeof payWorld>>;

/**
 * A pay world for the describe block this is called in: made before its tests (handed to `use`),
 * its mock and database closed after them.
 */
export function usePayWorld(createTestDatabase: () => Promise<TestDatabase>, use: (world: PayWorld, testDb: TestDatabase) => void): void {
  let world: PayWorld | undefined;
  let testDb: TestDatabase | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    world = await payWorld(testDb);
    use(world, testDb);
  });
  afterAll(async () => {
    await world?.mock.close();
    await testDb?.destroy();
  });
}
