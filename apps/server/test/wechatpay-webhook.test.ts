/**
 * WeChat Pay end to end through the real server on a socket, on MariaDB with Redis: sign in,
 * order, pay.prepare against the WeChat mock, the "user" pays at the mock, and the mock delivers
 * its signed, encrypted notification to POST /webhooks/wechatpay, retrying on WeChat Pay's
 * (compressed) schedule. Plus the production refusals of the payment configuration.
 */
import { insertProduct } from '@app/api';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { createScratchDatabase, freePort, TEST_REDIS_URL, waitUntil, type ScratchDatabase } from '@app/test-support';
import type { RunningWeChatMock } from '@app/wechat-mock';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, configProblemsOf, PRODUCTION_SECRETS, testConfig } from './support/app';
import { trpcClientFor } from './support/trpc-client';
import { paymentVariables as mockPaymentVariables, prepayIdOf, startPayingWeChatMock, userPays } from './support/wechat-pay';

const APP = { appId: 'wx00112233445566aa', appSecret: 'pay-http-test-secret-0123456789ab' };

let scratch: ScratchDatabase;
let db: Kysely<Database>;
let mock: RunningWeChatMock;
let app: FastifyInstance;
let address: string;
let productId: number;

/** The mock's merchant, its private key inline with its newlines written \n, as a one-line secret store holds it. */
async function paymentVariables(port: number): Promise<Record<string, string>> {
  const variables = await mockPaymentVariables(mock, port);
  expect(variables.WECHATPAY_PRIVATE_KEY).toContain('\n'); // a PEM's lines, to be written as \n
  return { ...variables, WECHATPAY_PRIVATE_KEY: variables.WECHATPAY_PRIVATE_KEY!.replace(/\n/g, '\\n') };
}

beforeAll(async () => {
  scratch = await createScratchDatabase('pay');
  db = createDatabase({ url: scratch.url, poolSize: 4 });
  await migrateToLatest(db);
  productId = await insertProduct(db, { title: '手冲壶', description: '', priceFen: 12800, stock: 100, imageUrl: null }, new Date());
  mock = await startPayingWeChatMock(APP);
  const port = await freePort();
  ({ app } = await buildTestApp(
    {
      WECHAT_API_BASE_URL: mock.url,
      WECHAT_APP_ID: APP.appId,
      WECHAT_APP_SECRET: APP.appSecret,
      REDIS_URL: TEST_REDIS_URL,
      ...(await paymentVariables(port)),
    },
    { db },
  ));
  address = await app.listen({ host: '127.0.0.1', port });
});
afterEach(() => {
  mock.world.pay.setFaults({ duplicateNotifications: 0, badSignatureNotifications: 0 });
});
afterAll(async () => {
  await app?.close();
  await mock?.close();
  await db?.destroy();
  await scratch?.drop();
});

let users = 0;
/** A signed-in buyer with a pending order, and its prepay. */
async function buyerWithPreparedOrder() {
  users += 1;
  let token: string | null = null;
  const client = trpcClientFor(address, { token: () => token });
  token = (await client.auth.login.mutate({ code: mock.world.issueLoginCode(`pay-buyer-${users}`) })).accessToken;
  const order = await client.order.create.mutate({
    items: [{ productId, quantity: 1 }],
    idempotencyKey: `pay-http-${process.pid}-${users}-key00`,
  });
  const params = await client.pay.prepare.mutate({ orderId: order.id });
  return { client, order, prepayId: prepayIdOf(params), params };
}

const statusOf = async (orderId: number) =>
  (await db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow()).status;
const paidEvents = (orderId: number) =>
  db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).where('to_status', '=', 'PAID').execute();
const deliveriesOf = (orderId: number) =>
  mock.world.pay.deliveries.filter((d) => d.outTradeNo === `ORDER${String(orderId).padStart(10, '0')}`);

describe('POST /webhooks/wechatpay, delivered by the mock', () => {
  it('pays: the notification moves the order to PAID, which the buyer then sees; WeChat Pay is answered 200', async () => {
    const { client, order, params } = await buyerWithPreparedOrder();
    expect(params.signType).toBe('RSA');
    expect((await client.order.get.query({ id: order.id })).status).toBe('PENDING_PAYMENT'); // the client's "success" proves nothing
    userPays(mock, prepayIdOf(params));
    await waitUntil('the order to be paid', async () => (await statusOf(order.id)) === 'PAID', undefined, 5_000);
    const seen = await client.order.get.query({ id: order.id });
    expect(seen.status).toBe('PAID');
    expect(seen.paidAt).toBeInstanceOf(Date);
    expect(deliveriesOf(order.id).map((d) => d.status)).toEqual([200]);
    expect(await paidEvents(order.id)).toHaveLength(1);
  });

  it('duplicate deliveries at once: PAID once, one event, every delivery answered 200', async () => {
    const { order, prepayId } = await buyerWithPreparedOrder();
    mock.world.pay.setFaults({ duplicateNotifications: 3 });
    userPays(mock, prepayId);
    await waitUntil('four deliveries', () => Promise.resolve(deliveriesOf(order.id).length === 4), undefined, 5_000);
    expect(deliveriesOf(order.id).map((d) => d.status)).toEqual([200, 200, 200, 200]);
    expect(await statusOf(order.id)).toBe('PAID');
    expect(await paidEvents(order.id)).toHaveLength(1);
  });

  it('a badly signed notification is answered 401 and changes nothing; WeChat Pay retries on its schedule and the good one pays', async () => {
    const { order, prepayId } = await buyerWithPreparedOrder();
    mock.world.pay.setFaults({ badSignatureNotifications: 1 });
    userPays(mock, prepayId);
    await waitUntil('the retry', () => Promise.resolve(deliveriesOf(order.id).length === 2), undefined, 5_000);
    expect(deliveriesOf(order.id).map((d) => [d.attempt, d.badSignature, d.status])).toEqual([
      [1, true, 401],
      [2, false, 200],
    ]);
    expect(await statusOf(order.id)).toBe('PAID');
  });

  it("refuses a replayed notification (the same nonce) with WeChat Pay's 401 SIGN_ERROR shape", async () => {
    const { order, prepayId } = await buyerWithPreparedOrder();
    expect(mock.world.pay.pay({ prepayId }, { notify: false }).ok).toBe(true);
    const notification = mock.world.pay.notificationFor(`ORDER${String(order.id).padStart(10, '0')}`)!;
    const send = () =>
      app.inject({ method: 'POST', url: '/webhooks/wechatpay', headers: notification.headers, payload: notification.body });
    expect((await send()).statusCode).toBe(200);
    const replay = await send();
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual({ code: 'SIGN_ERROR', message: 'signature refused: nonce-replayed' });
    const tampered = await app.inject({
      method: 'POST',
      url: '/webhooks/wechatpay',
      headers: mock.world.pay.notificationFor(`ORDER${String(order.id).padStart(10, '0')}`)!.headers,
      payload: notification.body.replace('"id":"', '"id":"x'),
    });
    expect(tampered.statusCode).toBe(401);
    expect(await paidEvents(order.id)).toHaveLength(1);
  });
});

describe('payment configuration', () => {
  const production = (variables: Record<string, string>) => ({ NODE_ENV: 'production', ...PRODUCTION_SECRETS, ...variables });

  it('is off unless WECHATPAY_MCHID is set; set, it names each missing key', () => {
    expect(configProblemsOf({ NODE_ENV: 'test', WECHATPAY_MCHID: '1230000109' }).map((p) => p.variable)).toEqual([
      'WECHATPAY_MERCHANT_SERIAL',
      'WECHATPAY_APIV3_KEY',
      'WECHATPAY_NOTIFY_URL',
      'WECHATPAY_PRIVATE_KEY_PATH',
      'WECHATPAY_PUBLIC_KEY_PATH',
    ]);
  });

  it('refuses in production a missing key, the dev values and an http notify URL, naming each variable', async () => {
    // The mock's dev merchant (1900000000, DEV0000…, dev-only-wechatpay-…, its DEVONLY key id), notified over http.
    const variables = await paymentVariables(3000);
    const { WECHATPAY_PRIVATE_KEY: _key, ...withoutKey } = variables;
    expect(configProblemsOf(production(withoutKey)).map((p) => p.variable)).toContain('WECHATPAY_PRIVATE_KEY_PATH');
    const problems = configProblemsOf(production(variables));
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'WECHATPAY_APIV3_KEY',
      'WECHATPAY_MCHID',
      'WECHATPAY_MERCHANT_SERIAL',
      'WECHATPAY_NOTIFY_URL', // http
      'WECHATPAY_PUBLIC_KEY_ID', // the mock's dev key id
    ]);
    expect(JSON.stringify(problems)).not.toContain('dev-only-wechatpay');
    // A merchant's own values, notified over https, are accepted.
    const own = {
      WECHATPAY_MCHID: '1230000109',
      WECHATPAY_MERCHANT_SERIAL: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      WECHATPAY_APIV3_KEY: 'http-apiv3-key-0123456789abcdef!',
      WECHATPAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_0112300001092025010100000000',
      WECHATPAY_NOTIFY_URL: 'https://shop.test/webhooks/wechatpay',
    };
    expect(testConfig(production({ ...variables, ...own })).pay).toMatchObject({
      mchId: own.WECHATPAY_MCHID,
      notifyUrl: own.WECHATPAY_NOTIFY_URL,
    });
    expect(configProblemsOf(production({ ...variables, WECHATPAY_PRIVATE_KEY: 'not a key' }))[0]).toMatchObject({
      variable: 'WECHATPAY_PRIVATE_KEY',
    });
  });
});
