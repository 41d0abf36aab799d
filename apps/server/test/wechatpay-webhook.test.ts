/**
 * WeChat Pay end to end through the real server on a socket, on MariaDB with Redis: sign in,
 * order, pay.prepare against the WeChat mock, the "user" pays at the mock, and the mock delivers
 * its signed, encrypted notification to POST /webhooks/wechatpay, retrying on WeChat Pay's
 * (compressed) schedule. Plus the production refusals of the payment configuration.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { createScratchDatabase, freePort, TEST_REDIS_URL, waitUntil, type ScratchDatabase } from '@app/test-support';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, configProblemsOf, PRODUCTION_SECRETS } from './support/app';
import { trpcClientFor } from './support/trpc-client';

const APP = { appId: 'wx00112233445566aa', appSecret: 'pay-http-test-secret-0123456789ab' };
const MERCHANT = {
  mchId: '1230000109',
  serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  apiV3Key: 'http-apiv3-key-0123456789abcdef' + '!',
};
const merchantKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: typeof merchantKeys.privateKey, type: 'pkcs8' | 'spki') => key.export({ type, format: 'pem' }).toString();

let scratch: ScratchDatabase;
let db: Kysely<Database>;
let mock: RunningWeChatMock;
let app: FastifyInstance;
let address: string;
let productId: number;

function paymentVariables(port: number): Record<string, string> {
  return {
    WECHATPAY_MCHID: MERCHANT.mchId,
    WECHATPAY_MERCHANT_SERIAL: MERCHANT.serial,
    // Inline, with its newlines written \n as a one-line secret store holds it.
    WECHATPAY_PRIVATE_KEY: pem(merchantKeys.privateKey, 'pkcs8').replace(/\n/g, '\\n'),
    WECHATPAY_APIV3_KEY: MERCHANT.apiV3Key,
    WECHATPAY_PUBLIC_KEY: mock.world.pay.platformPublicKeyPem,
    WECHATPAY_PUBLIC_KEY_ID: mock.world.pay.publicKeyId,
    WECHATPAY_NOTIFY_URL: `http://127.0.0.1:${port}/webhooks/wechatpay`,
    WECHATPAY_API_BASE_URL: mock.url,
  };
}

beforeAll(async () => {
  scratch = await createScratchDatabase('pay');
  db = createDatabase({ url: scratch.url, poolSize: 4 });
  await migrateToLatest(db);
  const now = new Date();
  const product = await db
    .insertInto('products')
    .values({
      title: '手冲壶',
      description: '',
      price_fen: 12800,
      stock: 100,
      image_url: null,
      on_shelf: 1,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow();
  productId = Number(product.insertId);
  mock = await startWeChatMock({
    ...APP,
    pay: {
      mchId: MERCHANT.mchId,
      merchantSerialNo: MERCHANT.serial,
      apiV3Key: MERCHANT.apiV3Key,
      merchantPublicKeyPem: pem(merchantKeys.publicKey, 'spki'),
      notifyScheduleScale: 0.001, // 15 s → 15 ms
    },
  });
  const port = await freePort();
  ({ app } = await buildTestApp(
    {
      WECHAT_API_BASE_URL: mock.url,
      WECHAT_APP_ID: APP.appId,
      WECHAT_APP_SECRET: APP.appSecret,
      REDIS_URL: TEST_REDIS_URL,
      ...paymentVariables(port),
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
  return { client, order, prepayId: params.package.slice('prepay_id='.length), params };
}

async function userPays(prepayId: string): Promise<void> {
  const response = await fetch(`${mock.url}/__dev/pay`, { method: 'POST', body: JSON.stringify({ prepayId }) });
  expect(response.status).toBe(200);
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
    await userPays(params.package.slice('prepay_id='.length));
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
    await userPays(prepayId);
    await waitUntil('four deliveries', () => Promise.resolve(deliveriesOf(order.id).length === 4), undefined, 5_000);
    expect(deliveriesOf(order.id).map((d) => d.status)).toEqual([200, 200, 200, 200]);
    expect(await statusOf(order.id)).toBe('PAID');
    expect(await paidEvents(order.id)).toHaveLength(1);
  });

  it('a badly signed notification is answered 401 and changes nothing; WeChat Pay retries on its schedule and the good one pays', async () => {
    const { order, prepayId } = await buyerWithPreparedOrder();
    mock.world.pay.setFaults({ badSignatureNotifications: 1 });
    await userPays(prepayId);
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

  it('refuses in production a missing key, the dev values and an http notify URL, naming each variable', () => {
    const variables = paymentVariables(3000);
    const { WECHATPAY_PRIVATE_KEY: _key, ...withoutKey } = variables;
    expect(configProblemsOf(production(withoutKey)).map((p) => p.variable)).toContain('WECHATPAY_PRIVATE_KEY_PATH');
    const problems = configProblemsOf(
      production({ ...variables, WECHATPAY_APIV3_KEY: 'dev-only-wechatpay-apiv3-key-32b', WECHATPAY_MCHID: '1900000000' }),
    );
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'WECHATPAY_APIV3_KEY',
      'WECHATPAY_MCHID',
      'WECHATPAY_NOTIFY_URL', // http
      'WECHATPAY_PUBLIC_KEY_ID', // the mock's dev key id
    ]);
    expect(JSON.stringify(problems)).not.toContain('dev-only-wechatpay');
    expect(configProblemsOf(production({ ...variables, WECHATPAY_PRIVATE_KEY: 'not a key' }))[0]).toMatchObject({
      variable: 'WECHATPAY_PRIVATE_KEY',
    });
  });
});
