/**
 * The shop through the router (createCaller): the catalog, orders that never oversell and never
 * double-charge, and their closing (cancel, timeout) — on MariaDB for the races, on both dialects
 * for the rules.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../../src/context';
import { createDatabase } from '../../src/db/dialect';
import type { Database } from '../../src/db/schema';
import { DEMO_PRODUCTS, seedDemoCatalog } from '../../src/modules/catalog/demo-catalog';
import { insertProduct } from '../../src/modules/catalog/catalog.repository';
import { OrderSweeper } from '../../src/modules/order/order-sweeper';
import { LocalDiskStorage } from '../../src/modules/uploads/upload-storage';
import { insertUser } from '../../src/modules/user/user.repository';
import { createCaller } from '../../src/root';
import type { Services } from '../../src/services';
import { dialects, type TestDatabase } from '../support/databases';
import { appCodeOf } from '../support/errors';
import { createTestServices, testClock } from '../support/services';
import type { Kysely } from 'kysely';
import { AppError } from '../../src/errors';

const UNLIMITED = { mutationsPerUser: { points: 1_000_000, durationSeconds: 60 } };
let keyCounter = 0;
/** A fresh idempotency key, as the mini-program makes one per checkout attempt. */
const newKey = () => `test-key-${process.pid}-${(keyCounter += 1).toString().padStart(8, '0')}`;

async function stockOf(db: Kysely<Database>, productId: number): Promise<number> {
  const row = await db.selectFrom('products').select('stock').where('id', '=', productId).executeTakeFirstOrThrow();
  return row.stock;
}

describe.each(dialects)('the shop on %s', (_dialect, createTestDatabase) => {
  let testDb: TestDatabase;
  let services: Services;
  const clock = testClock();
  let users = 0;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    services = await createTestServices({ db: testDb.db, clock, rateLimits: UNLIMITED });
  });
  afterAll(async () => {
    await testDb.destroy();
  });

  /** A new signed-in user's caller. */
  async function buyer() {
    users += 1;
    const user = await insertUser(testDb.db, { openid: `buyer-${users}-${process.pid}`, unionid: null }, clock.now());
    return {
      userId: user.id,
      caller: createCaller(createContextInner(services, { session: { userId: user.id, sessionId: `s-${user.id}` } })),
    };
  }
  const anonymous = () => createCaller(createContextInner(services));
  const product = (title: string, priceFen: number, stock: number) =>
    insertProduct(testDb.db, { title, description: '', priceFen, stock, imageUrl: null }, clock.now());

  it('seeds the demo catalog once, with pictures the uploads route serves, and pages through it', async () => {
    const storage = new LocalDiskStorage(join(tmpdir(), `shop-test-${process.pid}`));
    expect(await seedDemoCatalog(testDb.db, storage, clock.now())).toBe(DEMO_PRODUCTS.length);
    expect(await seedDemoCatalog(testDb.db, storage, clock.now())).toBe(0);
    const first = await anonymous().catalog.list({ limit: 5 });
    expect(first.items).toHaveLength(5);
    expect(first.items[0]).toMatchObject({ title: DEMO_PRODUCTS[0]?.title, priceFen: DEMO_PRODUCTS[0]?.priceFen, onShelf: true });
    const picture = first.items[0]?.imageUrl ?? '';
    expect(picture).toMatch(/^\/uploads\/[a-f0-9]{32}\.png$/);
    expect(await storage.stat(picture.slice('/uploads/'.length))).not.toBeNull();
    const seen = [...first.items];
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = await anonymous().catalog.list({ cursor, limit: 5 });
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(seen.map((item) => item.title)).toEqual(DEMO_PRODUCTS.map((item) => item.title));
    expect(await appCodeOf(anonymous().catalog.get({ id: 9_999_999 }))).toBe('PRODUCT_NOT_FOUND');
  });

  it('prices an order on the server from a snapshot, takes the stock, and records the event', async () => {
    const mug = await product('马克杯', 4500, 10);
    const tea = await product('龙井', 12800, 10);
    const { caller } = await buyer();
    const order = await caller.order.create({
      items: [
        { productId: tea, quantity: 1 },
        { productId: mug, quantity: 2 },
      ],
      idempotencyKey: newKey(),
    });
    expect(order).toMatchObject({ status: 'PENDING_PAYMENT', totalFen: 2 * 4500 + 12800, paidAt: null, closedAt: null });
    expect(order.items.map((item) => [item.title, item.unitPriceFen, item.quantity, item.subtotalFen])).toEqual(
      expect.arrayContaining([
        ['马克杯', 4500, 2, 9000],
        ['龙井', 12800, 1, 12800],
      ]),
    );
    expect(order.expiresAt.getTime() - order.createdAt.getTime()).toBe(15 * 60_000);
    expect([await stockOf(testDb.db, mug), await stockOf(testDb.db, tea)]).toEqual([8, 9]);
    // Later price changes do not touch the order.
    await testDb.db.updateTable('products').set({ price_fen: 1 }).where('id', '=', mug).execute();
    expect((await caller.order.get({ id: order.id })).totalFen).toBe(order.totalFen);
    const events = await testDb.db.selectFrom('order_events').selectAll().where('order_id', '=', order.id).execute();
    expect(events.map((event) => [event.from_status, event.to_status, event.reason])).toEqual([[null, 'PENDING_PAYMENT', 'CREATED']]);
  });

  it('answers a repeated key with the same order, and a reused key with other items with a coded 409', async () => {
    const pen = await product('钢笔', 9900, 5);
    const { caller } = await buyer();
    const key = newKey();
    const first = await caller.order.create({ items: [{ productId: pen, quantity: 1 }], idempotencyKey: key });
    const again = await caller.order.create({ items: [{ productId: pen, quantity: 1 }], idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(await stockOf(testDb.db, pen)).toBe(4);
    expect(await appCodeOf(caller.order.create({ items: [{ productId: pen, quantity: 2 }], idempotencyKey: key }))).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    // The same key is another user's own business.
    const other = await buyer();
    expect((await other.caller.order.create({ items: [{ productId: pen, quantity: 1 }], idempotencyKey: key })).id).not.toBe(first.id);
  });

  it('takes keys that differ only by case for two keys (they are case-sensitive, on MySQL as on SQLite)', async () => {
    const ink = await product('墨水', 1500, 5);
    const { caller } = await buyer();
    const key = `Case-Key-${newKey()}`;
    const upper = await caller.order.create({ items: [{ productId: ink, quantity: 1 }], idempotencyKey: key.toUpperCase() });
    const lower = await caller.order.create({ items: [{ productId: ink, quantity: 2 }], idempotencyKey: key.toLowerCase() });
    expect(lower.id).not.toBe(upper.id);
    expect(await stockOf(testDb.db, ink)).toBe(2);
    // Each key still answers with its own order.
    const again = await caller.order.create({ items: [{ productId: ink, quantity: 1 }], idempotencyKey: key.toUpperCase() });
    expect(again.id).toBe(upper.id);
  });

  it('refuses an order it cannot fill with OUT_OF_STOCK naming the product, and writes nothing', async () => {
    const plenty = await product('帆布包', 6900, 50);
    const scarce = await product('黄铜书签', 8800, 1);
    const { userId, caller } = await buyer();
    const error = await caller.order
      .create({
        items: [
          { productId: plenty, quantity: 3 },
          { productId: scarce, quantity: 2 },
        ],
        idempotencyKey: newKey(),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).appCode).toBe('OUT_OF_STOCK');
    expect((error as AppError).issues).toEqual([{ path: 'items.1.quantity', message: '「黄铜书签」库存不足' }]);
    expect([await stockOf(testDb.db, plenty), await stockOf(testDb.db, scarce)]).toEqual([50, 1]);
    const orders = await testDb.db.selectFrom('orders').select('id').where('user_id', '=', userId).execute();
    expect(orders).toEqual([]);
    await testDb.db.updateTable('products').set({ on_shelf: 0 }).where('id', '=', plenty).execute();
    expect(await appCodeOf(caller.order.create({ items: [{ productId: plenty, quantity: 1 }], idempotencyKey: newKey() }))).toBe(
      'PRODUCT_OFF_SHELF',
    );
  });

  it("shows a user only their own orders: another user's id is a coded 404", async () => {
    const item = await product('围巾', 15900, 5);
    const owner = await buyer();
    const stranger = await buyer();
    const order = await owner.caller.order.create({ items: [{ productId: item, quantity: 1 }], idempotencyKey: newKey() });
    expect(await appCodeOf(stranger.caller.order.get({ id: order.id }))).toBe('ORDER_NOT_FOUND');
    expect(await appCodeOf(stranger.caller.order.cancel({ id: order.id }))).toBe('ORDER_NOT_FOUND');
    expect((await stranger.caller.order.list({})).items).toEqual([]);
    expect(await stockOf(testDb.db, item)).toBe(4);
  });

  it('cancels once: the stock comes back once, a second cancel answers with the closed order', async () => {
    const item = await product('香薰炉', 7600, 3);
    const { caller } = await buyer();
    const order = await caller.order.create({ items: [{ productId: item, quantity: 2 }], idempotencyKey: newKey() });
    expect(await stockOf(testDb.db, item)).toBe(1);
    const cancelled = await caller.order.cancel({ id: order.id });
    expect(cancelled).toMatchObject({ status: 'CLOSED', closeReason: 'CANCELLED' });
    expect(cancelled.closedAt).toEqual(clock.now());
    expect(await stockOf(testDb.db, item)).toBe(3);
    expect((await caller.order.cancel({ id: order.id })).status).toBe('CLOSED');
    expect(await stockOf(testDb.db, item)).toBe(3);
  });

  it('lists orders newest first, by status, page by page', async () => {
    const item = await product('笔记本', 2600, 100);
    const { caller } = await buyer();
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(await caller.order.create({ items: [{ productId: item, quantity: 1 }], idempotencyKey: newKey() }));
    await caller.order.cancel({ id: made[1]?.id ?? 0 });
    const firstPage = await caller.order.list({ limit: 3 });
    expect(firstPage.items.map((order) => order.id)).toEqual(
      made
        .map((order) => order.id)
        .reverse()
        .slice(0, 3),
    );
    const secondPage = await caller.order.list({ limit: 3, cursor: firstPage.nextCursor });
    expect(secondPage.items).toHaveLength(2);
    expect(secondPage.nextCursor).toBeNull();
    const closed = await caller.order.list({ status: 'CLOSED' });
    expect(closed.items.map((order) => order.id)).toEqual([made[1]?.id]);
    expect((await caller.order.list({ status: 'PENDING_PAYMENT' })).items).toHaveLength(4);
  });

  it('closes unpaid orders when their time is up and gives the stock back, not before', async () => {
    const item = await product('便当盒', 5900, 10);
    const { caller } = await buyer();
    const early = await caller.order.create({ items: [{ productId: item, quantity: 3 }], idempotencyKey: newKey() });
    clock.advance(10 * 60_000);
    const late = await caller.order.create({ items: [{ productId: item, quantity: 2 }], idempotencyKey: newKey() });
    const sweeper = new OrderSweeper({ db: testDb.db, clock, logger: pino({ level: 'silent' }) });
    expect(await stockOf(testDb.db, item)).toBe(5);

    clock.advance(5 * 60_000 - 1);
    await sweeper.sweep();
    expect((await caller.order.get({ id: early.id })).status).toBe('PENDING_PAYMENT');
    clock.advance(1);
    // Told to stop (a shutdown) before its first batch, it closes nothing.
    expect(await sweeper.sweep(AbortSignal.abort())).toBe(0);
    expect((await caller.order.get({ id: early.id })).status).toBe('PENDING_PAYMENT');
    await sweeper.sweep();
    expect(await caller.order.get({ id: early.id })).toMatchObject({ status: 'CLOSED', closeReason: 'TIMEOUT' });
    expect((await caller.order.get({ id: late.id })).status).toBe('PENDING_PAYMENT');
    expect(await stockOf(testDb.db, item)).toBe(8);
    await sweeper.sweep(); // nothing more is due: nothing changes
    expect(await stockOf(testDb.db, item)).toBe(8);
    // A cancel after the timeout close changes nothing either.
    expect((await caller.order.cancel({ id: early.id })).closeReason).toBe('TIMEOUT');
    expect(await stockOf(testDb.db, item)).toBe(8);
  });
});

describe('orders under concurrency (MariaDB)', () => {
  const [, createMysql] = dialects[0] ?? [];
  let testDb: TestDatabase;
  let services: Services;
  const clock = testClock();

  beforeAll(async () => {
    if (!createMysql) throw new Error('no MySQL test database');
    testDb = await createMysql();
    services = await createTestServices({ db: testDb.db, clock, rateLimits: UNLIMITED });
  });
  afterAll(async () => {
    await testDb.destroy();
  });

  async function buyers(count: number, prefix: string) {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const user = await insertUser(testDb.db, { openid: `${prefix}-${i}-${process.pid}`, unionid: null }, clock.now());
        return createCaller(createContextInner(services, { session: { userId: user.id, sessionId: `${prefix}-${i}` } }));
      }),
    );
  }

  it('runs an order again when InnoDB makes it the victim of a deadlock, instead of failing it', async () => {
    const [first, second] = await Promise.all(
      ['死锁甲', '死锁乙'].map((title) =>
        insertProduct(testDb.db, { title, description: '', priceFen: 100, stock: 10, imageUrl: null }, clock.now()),
      ),
    );
    const [caller] = await buyers(1, 'deadlock');
    // Another transaction (as the sweeper's, giving stock back order by order) holds the second
    // product, and is the heavier one (rows written), so InnoDB rolls back the order's instead.
    await testDb.db.connection().execute(async (other) => {
      await sql`begin`.execute(other);
      for (let i = 0; i < 30; i += 1)
        await insertUser(other, { openid: `deadlock-weight-${i}-${process.pid}`, unionid: null }, clock.now());
      await sql`update products set stock = stock where id = ${second}`.execute(other);
      const order = caller!.order.create({
        items: [
          { productId: first!, quantity: 1 },
          { productId: second!, quantity: 1 },
        ],
        idempotencyKey: newKey(),
      });
      // The order holds the first product and waits for the second; taking the first closes the circle.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`update products set stock = stock where id = ${first}`.execute(other);
      await sql`commit`.execute(other);
      const created = await order;
      expect(created.status).toBe('PENDING_PAYMENT');
    });
    expect(await stockOf(testDb.db, first!)).toBe(9);
    expect(await stockOf(testDb.db, second!)).toBe(9);
  });

  it('N buyers racing for the last K items: exactly K orders, the stock 0, never below', async () => {
    const K = 5;
    const N = 30;
    const item = await insertProduct(testDb.db, { title: '限量款', description: '', priceFen: 100, stock: K, imageUrl: null }, clock.now());
    const callers = await buyers(N, 'racer');
    const outcomes = await Promise.allSettled(
      callers.map((caller) => caller.order.create({ items: [{ productId: item, quantity: 1 }], idempotencyKey: newKey() })),
    );
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as AppError] : []));
    expect(won).toHaveLength(K);
    expect(lost.map((error) => error.appCode)).toEqual(Array.from({ length: N - K }, () => 'OUT_OF_STOCK'));
    expect(await stockOf(testDb.db, item)).toBe(0);
    const lines = await testDb.db.selectFrom('order_items').select('quantity').where('product_id', '=', item).execute();
    expect(lines.reduce((sum, line) => sum + line.quantity, 0)).toBe(K);
  });

  it('50 concurrent duplicates of one create make one order', async () => {
    const item = await insertProduct(
      testDb.db,
      { title: '咖啡豆', description: '', priceFen: 6800, stock: 100, imageUrl: null },
      clock.now(),
    );
    const [caller] = await buyers(1, 'doubler');
    if (!caller) throw new Error('no buyer');
    const key = newKey();
    const orders = await Promise.all(
      Array.from({ length: 50 }, () => caller.order.create({ items: [{ productId: item, quantity: 2 }], idempotencyKey: key })),
    );
    expect(new Set(orders.map((order) => order.id)).size).toBe(1);
    expect(await stockOf(testDb.db, item)).toBe(98);
  });

  it('two instances sweeping at once close each order once and return its stock once', async () => {
    const item = await insertProduct(
      testDb.db,
      { title: '糖果', description: '', priceFen: 100, stock: 1000, imageUrl: null },
      clock.now(),
    );
    const callers = await buyers(20, 'sweep');
    const orders = await Promise.all(
      callers.flatMap((caller) =>
        Array.from({ length: 10 }, () => caller.order.create({ items: [{ productId: item, quantity: 3 }], idempotencyKey: newKey() })),
      ),
    );
    expect(await stockOf(testDb.db, item)).toBe(1000 - 600);
    clock.advance(16 * 60_000);
    // Every pending order is due now (those of the races above too).
    const pending = await testDb.db.selectFrom('orders').select('id').where('status', '=', 'PENDING_PAYMENT').execute();
    expect(pending.length).toBeGreaterThanOrEqual(orders.length);
    // A second instance: its own connection pool on the same database, its own sweeper.
    const otherDb = createDatabase<Database>({ url: testDb.url, poolSize: 4 });
    const logger = pino({ level: 'silent' });
    try {
      const sweepers = [testDb.db, otherDb].map((db) => new OrderSweeper({ db, clock, logger, batchSize: 7 }));
      const closed = await Promise.all(sweepers.map((sweeper) => sweeper.sweep()));
      expect((closed[0] ?? 0) + (closed[1] ?? 0)).toBe(pending.length);
      expect(closed.every((count) => count > 0)).toBe(true); // both took part: SKIP LOCKED shared the work
    } finally {
      await otherDb.destroy();
    }
    expect(await stockOf(testDb.db, item)).toBe(1000);
    const closes = await testDb.db
      .selectFrom('order_events')
      .select(['order_id'])
      .where('to_status', '=', 'CLOSED')
      .where(
        'order_id',
        'in',
        orders.map((order) => order.id),
      )
      .execute();
    expect(closes).toHaveLength(orders.length);
    expect(new Set(closes.map((event) => event.order_id)).size).toBe(orders.length);
  });
});
