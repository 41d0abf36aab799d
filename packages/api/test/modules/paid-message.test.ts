/**
 * What follows a payment: the PAID transition leaves one durable job, and the job runner sends the
 * user's 订阅消息 through WeChat (the mock) — once, not retried when the user never accepted the
 * template (43101), retried with backoff when WeChat could not be reached.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../../src/context';
import { JobRunner } from '../../src/jobs/job-runner';
import { insertProduct } from '../../src/modules/catalog/catalog.repository';
import { markOrderPaid, ORDER_PAID_JOB } from '../../src/modules/order/order.service';
import { paidMessageHandler, paidMessageData } from '../../src/modules/pay/paid-message';
import { createCaller } from '../../src/root';
import type { Services } from '../../src/services';
import { dialects, type TestDatabase } from '../support/databases';
import { createTestServices, testClock } from '../support/services';
import { createTestWeChatClient, useTestMock } from '../support/wechat';

const TEMPLATE = 'tmpl-order-paid-0001';
let keys = 0;

describe.each(dialects)('the paid message on %s', (_dialect, createTestDatabase) => {
  let testDb: TestDatabase;
  let services: Services;
  // Not reset between tests: the services' client keeps the access token the mock issued.
  const mock = useTestMock({ reset: false });
  const clock = testClock();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    services = await createTestServices({ db: testDb.db, clock, wechatUrl: mock.url });
  });
  afterAll(async () => {
    await testDb.destroy();
  });

  /** A signed-in WeChat user (known to the mock) with a pending order, then paid. */
  async function paidOrder(user: string) {
    const login = await createCaller(createContextInner(services)).auth.login({ code: mock.world.issueLoginCode(user) });
    const caller = createCaller(createContextInner(services, { session: { userId: login.user.id, sessionId: 's' } }));
    const product = await insertProduct(
      testDb.db,
      { title: '西湖龙井 明前特级 50g', description: '', priceFen: 12800, stock: 10, imageUrl: null },
      clock.now(),
    );
    const order = await caller.order.create({
      items: [{ productId: product, quantity: 2 }],
      idempotencyKey: `paid-message-key-${(keys += 1)}-xx`,
    });
    const paid = await testDb.db.transaction().execute((trx) => markOrderPaid(trx, order.id, clock.now(), clock.now(), 'WECHATPAY_NOTIFY'));
    expect(paid).toBe(true);
    return order;
  }

  const runner = (templateId: string | null, wechat = services.wechat) =>
    new JobRunner({
      db: testDb.db,
      clock,
      logger: pino({ level: 'silent' }),
      handlers: { [ORDER_PAID_JOB]: paidMessageHandler({ db: testDb.db, wechat }, { templateId, state: 'developer' }) },
      retryBaseMs: 60_000,
    });
  const jobsOf = (orderId: number) => testDb.db.selectFrom('jobs').selectAll().where('payload', '=', JSON.stringify({ orderId })).execute();

  it('PAID leaves exactly one job, and a second transition none', async () => {
    const order = await paidOrder('message-once');
    expect(await testDb.db.transaction().execute((trx) => markOrderPaid(trx, order.id, clock.now(), clock.now(), 'WECHATPAY_QUERY'))).toBe(
      false,
    );
    const jobs = await jobsOf(order.id);
    expect(jobs.map((job) => [job.kind, job.status])).toEqual([[ORDER_PAID_JOB, 'PENDING']]);
  });

  it('sends the message to a user who accepted the template, once', async () => {
    const order = await paidOrder('message-accepted');
    mock.world.acceptSubscription('message-accepted', TEMPLATE);
    const before = mock.world.subscribeMessages.length;
    await runner(TEMPLATE).runDue();
    const sent = mock.world.subscribeMessages.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      touser: mock.world.openidOf('message-accepted'),
      templateId: TEMPLATE,
      page: `shop/pages/order/index?id=${order.id}`,
    });
    expect((sent[0]?.data as Record<string, { value: string }>).amount2?.value).toBe('256.00元');
    expect((await jobsOf(order.id))[0]?.status).toBe('DONE');
    await runner(TEMPLATE).runDue(); // nothing due any more
    expect(mock.world.subscribeMessages.length).toBe(before + 1);
  });

  it('gives up at once when the user did not accept (43101), without a retry', async () => {
    const order = await paidOrder('message-refused');
    await runner(TEMPLATE).runDue();
    const [job] = await jobsOf(order.id);
    expect([job?.status, job?.attempts, job?.last_error]).toEqual(['FAILED', 1, 'WeChat refused the message: 43101']);
  });

  it('retries later when WeChat cannot be reached, then sends', async () => {
    const order = await paidOrder('message-later');
    mock.world.acceptSubscription('message-later', TEMPLATE);
    const unreachable = createTestWeChatClient(mock, { baseUrl: 'http://127.0.0.1:1', timeoutMs: 200 });
    await runner(TEMPLATE, unreachable).runDue();
    let [job] = await jobsOf(order.id);
    expect([job?.status, job?.attempts]).toEqual(['PENDING', 1]);
    expect(job?.run_at.getTime()).toBe(clock.now().getTime() + 60_000);
    await runner(TEMPLATE).runDue(); // not due yet
    expect((await jobsOf(order.id))[0]?.attempts).toBe(1);
    clock.advance(60_000);
    await runner(TEMPLATE).runDue();
    [job] = await jobsOf(order.id);
    expect([job?.status, job?.attempts]).toEqual(['DONE', 2]);
  });

  it('without a template configured, the job ends without a message', async () => {
    const order = await paidOrder('message-off');
    mock.world.acceptSubscription('message-off', TEMPLATE);
    const before = mock.world.subscribeMessages.length;
    await runner(null).runDue();
    expect(mock.world.subscribeMessages.length).toBe(before);
    expect((await jobsOf(order.id))[0]?.status).toBe('DONE');
  });
});

describe('paidMessageData', () => {
  it('fits the template: order number, amount in yuan, Beijing time, a title of at most 20 characters', () => {
    expect(
      paidMessageData(
        { id: 42, totalFen: 1990, paidAt: new Date('2026-11-30T10:05:00Z') },
        '景德镇白瓷马克杯（限量款，手工拉坯，容量 350ml）',
        3,
      ),
    ).toEqual({ character_string1: '42', amount2: '19.90元', time3: '2026-11-30 18:05', thing4: '景德镇白瓷马克杯（限量款，手等3件' });
  });
});
