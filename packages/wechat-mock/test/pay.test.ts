/**
 * The mock keeps WeChat Pay API v3's documented rules, which the server's payment tests trust:
 * request signatures checked, every answer signed by the platform key, the documented error
 * codes, and notifications delivered signed and encrypted, retried on WeChat Pay's schedule.
 */
import { createDecipheriv, createPublicKey, createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_SCHEDULE_SECONDS, startWeChatMock, type RunningWeChatMock } from '../src/index';

const APP = { appId: 'wx00000000000000bb', appSecret: 'mock-pay-secret-0123456789abcdef' };
const MERCHANT = { mchId: '1230000109', serial: 'ABC123DEF4567890', apiV3Key: 'mock-test-apiv3-key-0123456789ab' };
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });

let mock: RunningWeChatMock;
let receiver: Server;
let receiverUrl: string;
/** What the test's notify_url answers, in turn (then 200). */
let answers: number[] = [];
const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];

beforeAll(async () => {
  mock = await startWeChatMock({
    ...APP,
    pay: {
      mchId: MERCHANT.mchId,
      merchantSerialNo: MERCHANT.serial,
      apiV3Key: MERCHANT.apiV3Key,
      merchantPublicKeyPem: merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      notifyScheduleScale: 0.001,
    },
  });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
});
afterAll(async () => {
  await mock.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** A merchant's signed request, written here from WeChat Pay's documentation. */
async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  options: { serial?: string; key?: typeof merchant.privateKey; timestamp?: number } = {},
) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256')
    .update(`${method}\n${path}\n${timestamp}\n${nonce}\n${text}\n`)
    .sign(options.key ?? merchant.privateKey, 'base64');
  const response = await fetch(`${mock.url}${path}`, {
    method,
    headers: {
      authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MERCHANT.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${options.serial ?? MERCHANT.serial}"`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : text,
  });
  const answer = await response.text();
  // Every answer, errors included, is signed by the platform key that Wechatpay-Serial names.
  const h = (name: string) => response.headers.get(name) ?? '';
  expect(h('wechatpay-serial')).toBe(mock.world.pay.publicKeyId);
  const signed = `${h('wechatpay-timestamp')}\n${h('wechatpay-nonce')}\n${answer}\n`;
  expect(
    createVerify('RSA-SHA256')
      .update(signed)
      .verify(createPublicKey(mock.world.pay.platformPublicKeyPem), h('wechatpay-signature'), 'base64'),
  ).toBe(true);
  return { status: response.status, body: answer === '' ? null : (JSON.parse(answer) as Record<string, unknown>) };
}

/** A notification's event type and its resource, decrypted as the merchant would (AEAD_AES_256_GCM, APIv3 key). */
function decrypted(body: string): { eventType: string; originalType: string; resource: Record<string, unknown> } {
  const notification = JSON.parse(body) as {
    event_type: string;
    resource: { ciphertext: string; nonce: string; associated_data: string; algorithm: string; original_type: string };
  };
  expect(notification.resource.algorithm).toBe('AEAD_AES_256_GCM');
  const data = Buffer.from(notification.resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(MERCHANT.apiV3Key), Buffer.from(notification.resource.nonce));
  decipher.setAuthTag(data.subarray(-16));
  decipher.setAAD(Buffer.from(notification.resource.associated_data));
  const plaintext = Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]).toString();
  return {
    eventType: notification.event_type,
    originalType: notification.resource.original_type,
    resource: JSON.parse(plaintext) as Record<string, unknown>,
  };
}

let trades = 0;
const prepayBody = (overrides: Record<string, unknown> = {}) => ({
  appid: APP.appId,
  mchid: MERCHANT.mchId,
  description: '测试商品',
  out_trade_no: `MOCKTEST${String((trades += 1)).padStart(6, '0')}`,
  time_expire: new Date(Date.now() + 15 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  notify_url: receiverUrl,
  amount: { total: 100, currency: 'CNY' },
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  ...overrides,
});

describe('WeChat Pay v3 endpoints', () => {
  it('refuses requests without a valid merchant signature with 401 SIGN_ERROR', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await call('POST', '/v3/pay/transactions/jsapi', prepayBody(), { key: other })).toMatchObject({
      status: 401,
      body: { code: 'SIGN_ERROR' },
    });
    expect(await call('POST', '/v3/pay/transactions/jsapi', prepayBody(), { serial: 'WRONGSERIAL0' })).toMatchObject({
      status: 401,
      body: { code: 'SIGN_ERROR' },
    });
    expect(
      await call('POST', '/v3/pay/transactions/jsapi', prepayBody(), { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    ).toMatchObject({ status: 401 });
    const unsigned = await fetch(`${mock.url}/v3/pay/transactions/jsapi`, { method: 'POST', body: JSON.stringify(prepayBody()) });
    expect(unsigned.status).toBe(401);
  });

  it('checks parameters, merchant and app: PARAM_ERROR, MCH_NOT_EXISTS, APPID_MCHID_NOT_MATCH', async () => {
    expect(await call('POST', '/v3/pay/transactions/jsapi', prepayBody({ amount: { total: 0 } }))).toMatchObject({
      status: 400,
      body: { code: 'PARAM_ERROR' },
    });
    expect(await call('POST', '/v3/pay/transactions/jsapi', prepayBody({ out_trade_no: 'x' }))).toMatchObject({
      body: { code: 'PARAM_ERROR' },
    });
    expect(await call('POST', '/v3/pay/transactions/jsapi', prepayBody({ mchid: '1900000001' }))).toMatchObject({
      body: { code: 'MCH_NOT_EXISTS' },
    });
    expect(await call('POST', '/v3/pay/transactions/jsapi', prepayBody({ appid: 'wx00000000000000cc' }))).toMatchObject({
      body: { code: 'APPID_MCHID_NOT_MATCH' },
    });
  });

  it('answers the same trade with its prepay, a changed one with INVALID_REQUEST; query, close, ORDER_CLOSED, ORDERPAID', async () => {
    const body = prepayBody();
    const first = await call('POST', '/v3/pay/transactions/jsapi', body);
    expect(first).toMatchObject({ status: 200, body: { prepay_id: expect.stringMatching(/^wx/) as unknown } });
    expect((await call('POST', '/v3/pay/transactions/jsapi', body)).body).toEqual(first.body);
    expect(await call('POST', '/v3/pay/transactions/jsapi', { ...body, amount: { total: 200 } })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_REQUEST' },
    });
    const query = await call('GET', `/v3/pay/transactions/out-trade-no/${body.out_trade_no}?mchid=${MERCHANT.mchId}`);
    expect(query).toMatchObject({ status: 200, body: { trade_state: 'NOTPAY', out_trade_no: body.out_trade_no, amount: { total: 100 } } });
    expect(await call('GET', `/v3/pay/transactions/out-trade-no/NOSUCHTRADE1?mchid=${MERCHANT.mchId}`)).toMatchObject({
      status: 404,
      body: { code: 'ORDER_NOT_EXIST' },
    });
    expect(await call('POST', `/v3/pay/transactions/out-trade-no/${body.out_trade_no}/close`, { mchid: MERCHANT.mchId })).toEqual({
      status: 204,
      body: null,
    });
    expect(await call('POST', '/v3/pay/transactions/jsapi', body)).toMatchObject({ status: 400, body: { code: 'ORDER_CLOSED' } });
    expect(mock.world.pay.pay({ outTradeNo: body.out_trade_no })).toEqual({ ok: false, error: 'the trade is closed' });

    const paid = prepayBody();
    await call('POST', '/v3/pay/transactions/jsapi', paid);
    expect(mock.world.pay.pay({ outTradeNo: paid.out_trade_no }, { notify: false }).ok).toBe(true);
    expect(await call('POST', '/v3/pay/transactions/jsapi', paid)).toMatchObject({ status: 400, body: { code: 'ORDERPAID' } });
    expect(await call('POST', `/v3/pay/transactions/out-trade-no/${paid.out_trade_no}/close`, { mchid: MERCHANT.mchId })).toMatchObject({
      body: { code: 'ORDERPAID' },
    });
  });
});

describe('payment notifications', () => {
  it("delivers a signed, AEAD_AES_256_GCM-encrypted notification, and retries failures on WeChat Pay's schedule", async () => {
    expect(NOTIFY_SCHEDULE_SECONDS.slice(0, 5)).toEqual([15, 15, 30, 180, 600]);
    const body = prepayBody();
    const { body: prepay } = await call('POST', '/v3/pay/transactions/jsapi', body);
    answers = [500, 404];
    received.length = 0;
    const response = await fetch(`${mock.url}/__dev/pay`, { method: 'POST', body: JSON.stringify({ prepayId: prepay?.prepay_id }) });
    expect(response.status).toBe(200);
    await expect.poll(() => received.length, { timeout: 5_000 }).toBe(3);
    // The mock records an attempt once it has read the answer, which may be just after the receiver
    // has counted the request: wait for the record too.
    const attempts = () => mock.world.pay.deliveries.filter((d) => d.outTradeNo === body.out_trade_no).map((d) => [d.attempt, d.status]);
    await expect.poll(attempts, { timeout: 5_000 }).toEqual([
      [1, 500],
      [2, 404],
      [3, 200],
    ]);
    // Each attempt is signed afresh (its own timestamp and nonce), over the same notification.
    const nonces = new Set(received.map((r) => r.headers['wechatpay-nonce']));
    expect(nonces.size).toBe(3);
    const last = received[2]!;
    const h = (name: string) => String(last.headers[name]);
    const signed = `${h('wechatpay-timestamp')}\n${h('wechatpay-nonce')}\n${last.body}\n`;
    expect(
      createVerify('RSA-SHA256')
        .update(signed)
        .verify(createPublicKey(mock.world.pay.platformPublicKeyPem), h('wechatpay-signature'), 'base64'),
    ).toBe(true);
    const { eventType, resource: transaction } = decrypted(last.body);
    expect(eventType).toBe('TRANSACTION.SUCCESS');
    expect(transaction).toMatchObject({
      out_trade_no: body.out_trade_no,
      mchid: MERCHANT.mchId,
      appid: APP.appId,
      trade_state: 'SUCCESS',
      amount: { total: 100 },
    });
  });

  it('holds notifications until released, delays them, and lets the query say NOTPAY for a paid trade (faults)', async () => {
    const held = prepayBody();
    const { body: prepay } = await call('POST', '/v3/pay/transactions/jsapi', held);
    received.length = 0;
    await fetch(`${mock.url}/__dev/pay/faults`, { method: 'POST', body: JSON.stringify({ holdNotifications: true, queryNotPay: 1 }) });
    expect((await fetch(`${mock.url}/__dev/pay`, { method: 'POST', body: JSON.stringify({ prepayId: prepay?.prepay_id }) })).status).toBe(
      200,
    );
    const queryPath = `/v3/pay/transactions/out-trade-no/${held.out_trade_no}?mchid=${MERCHANT.mchId}`;
    expect((await call('GET', queryPath)).body).toMatchObject({ trade_state: 'NOTPAY' }); // the lag: once
    expect((await call('GET', queryPath)).body).toMatchObject({ trade_state: 'SUCCESS', transaction_id: expect.any(String) as unknown });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(0); // held
    const release = await fetch(`${mock.url}/__dev/pay/release`, { method: 'POST' });
    expect(await release.json()).toEqual({ released: 1 });
    await expect.poll(() => received.length, { timeout: 5_000 }).toBe(1);
    expect(mock.world.pay.faults.holdNotifications).toBe(false);

    const delayed = prepayBody();
    await call('POST', '/v3/pay/transactions/jsapi', delayed);
    received.length = 0;
    mock.world.pay.setFaults({ notificationDelayMs: 300 });
    try {
      const started = Date.now();
      expect(mock.world.pay.pay({ outTradeNo: delayed.out_trade_no }).ok).toBe(true);
      await expect.poll(() => received.length, { timeout: 5_000 }).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      mock.world.pay.setFaults({ notificationDelayMs: 0 });
    }
  });

  it('clears every fault at DELETE /__dev/pay/faults', async () => {
    const every = {
      duplicateNotifications: 2,
      badSignatureNotifications: 1,
      notificationDelayMs: 500,
      holdNotifications: true,
      queryNotPay: 3,
      abnormalRefunds: 1,
    };
    await fetch(`${mock.url}/__dev/pay/faults`, { method: 'POST', body: JSON.stringify(every) });
    expect(mock.world.pay.faults).toEqual(every);
    const cleared = await fetch(`${mock.url}/__dev/pay/faults`, { method: 'DELETE' });
    const none = {
      duplicateNotifications: 0,
      badSignatureNotifications: 0,
      notificationDelayMs: 0,
      holdNotifications: false,
      queryNotPay: 0,
      abnormalRefunds: 0,
    };
    expect(await cleared.json()).toEqual(none);
    expect(mock.world.pay.faults).toEqual(none);
  });

  it('refuses to pay twice, and says why', async () => {
    const body = prepayBody();
    await call('POST', '/v3/pay/transactions/jsapi', body);
    expect(mock.world.pay.pay({ outTradeNo: body.out_trade_no }, { notify: false }).ok).toBe(true);
    const again = await fetch(`${mock.url}/__dev/pay`, { method: 'POST', body: JSON.stringify({ outTradeNo: body.out_trade_no }) });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ ok: false, error: 'already paid' });
  });
});

describe('refunds', () => {
  let refunds = 0;
  const newRefundNo = () => `MOCKREFUND${String((refunds += 1)).padStart(6, '0')}`;
  /** A trade paid at the mock (its notification left aside). */
  async function paidTrade(total = 100) {
    const body = prepayBody({ amount: { total, currency: 'CNY' } });
    await call('POST', '/v3/pay/transactions/jsapi', body);
    expect(mock.world.pay.pay({ outTradeNo: body.out_trade_no }, { notify: false }).ok).toBe(true);
    return body.out_trade_no;
  }
  const refundBody = (outTradeNo: string, overrides: Record<string, unknown> = {}) => ({
    out_trade_no: outTradeNo,
    out_refund_no: newRefundNo(),
    reason: '不想要了',
    notify_url: receiverUrl,
    amount: { refund: 100, total: 100, currency: 'CNY' },
    ...overrides,
  });

  it('answers PROCESSING, then SUCCESS with a signed, encrypted REFUND.SUCCESS notification; a repeat answers the same refund', async () => {
    const outTradeNo = await paidTrade();
    const body = refundBody(outTradeNo);
    received.length = 0;
    const first = await call('POST', '/v3/refund/domestic/refunds', body);
    expect(first).toMatchObject({
      status: 200,
      body: { out_refund_no: body.out_refund_no, out_trade_no: outTradeNo, status: 'PROCESSING', amount: { refund: 100, total: 100 } },
    });
    expect(String(first.body?.refund_id)).toMatch(/^50\d{27}$/);
    const again = await call('POST', '/v3/refund/domestic/refunds', body);
    expect(again.body?.refund_id).toBe(first.body?.refund_id); // idempotent by out_refund_no

    await expect.poll(() => received.length, { timeout: 5_000 }).toBe(1);
    const { eventType, originalType, resource } = decrypted(received[0]!.body);
    expect([eventType, originalType]).toEqual(['REFUND.SUCCESS', 'refund']);
    expect(resource).toMatchObject({
      mchid: MERCHANT.mchId,
      out_trade_no: outTradeNo,
      out_refund_no: body.out_refund_no,
      refund_id: first.body?.refund_id,
      refund_status: 'SUCCESS',
      success_time: expect.stringMatching(/\+08:00$/) as unknown,
      amount: { total: 100, refund: 100 },
    });
    expect(resource).not.toHaveProperty('appid'); // as WeChat Pay's refund notifications
    const query = await call('GET', `/v3/refund/domestic/refunds/${body.out_refund_no}`);
    expect(query.body).toMatchObject({ status: 'SUCCESS', refund_id: first.body?.refund_id });
    const trade = await call('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${MERCHANT.mchId}`);
    expect(trade.body).toMatchObject({ trade_state: 'REFUND' });
  });

  it('refuses what WeChat Pay refuses: PARAM_ERROR, RESOURCE_NOT_EXISTS, INVALID_REQUEST (unpaid, other total, reused number), NOT_ENOUGH', async () => {
    const outTradeNo = await paidTrade();
    expect(
      (await call('POST', '/v3/refund/domestic/refunds', refundBody(outTradeNo, { amount: { refund: 0, total: 100, currency: 'CNY' } })))
        .body,
    ).toMatchObject({
      code: 'PARAM_ERROR',
    });
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(outTradeNo, { reason: '退'.repeat(81) }))).status).toBe(400);
    expect(await call('POST', '/v3/refund/domestic/refunds', refundBody('NOSUCHTRADE01'))).toMatchObject({
      status: 404,
      body: { code: 'RESOURCE_NOT_EXISTS' },
    });
    const unpaid = prepayBody();
    await call('POST', '/v3/pay/transactions/jsapi', unpaid);
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(unpaid.out_trade_no))).body).toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect(
      (await call('POST', '/v3/refund/domestic/refunds', refundBody(outTradeNo, { amount: { refund: 100, total: 99, currency: 'CNY' } })))
        .body,
    ).toMatchObject({ code: 'INVALID_REQUEST' });

    const part = refundBody(outTradeNo, { amount: { refund: 60, total: 100, currency: 'CNY' } });
    expect((await call('POST', '/v3/refund/domestic/refunds', part)).status).toBe(200);
    expect(
      await call('POST', '/v3/refund/domestic/refunds', refundBody(outTradeNo, { amount: { refund: 60, total: 100, currency: 'CNY' } })),
    ).toMatchObject({ status: 403, body: { code: 'NOT_ENOUGH' } });
    const reused = { ...part, amount: { refund: 40, total: 100, currency: 'CNY' } };
    expect((await call('POST', '/v3/refund/domestic/refunds', reused)).body).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await call('GET', '/v3/refund/domestic/refunds/NOSUCHREFUND')).body).toMatchObject({ code: 'RESOURCE_NOT_EXISTS' });
  });

  it('out of order: held notifications released newest first (a refund before its payment), and ABNORMAL refunds', async () => {
    const body = prepayBody();
    await call('POST', '/v3/pay/transactions/jsapi', body);
    mock.world.pay.setFaults({ holdNotifications: true, abnormalRefunds: 1 });
    received.length = 0;
    expect(mock.world.pay.pay({ outTradeNo: body.out_trade_no }).ok).toBe(true);
    const refund = refundBody(body.out_trade_no);
    await call('POST', '/v3/refund/domestic/refunds', refund);
    await expect.poll(() => mock.world.pay.refundStateOf(refund.out_refund_no), { timeout: 5_000 }).toBe('ABNORMAL');
    expect(received).toHaveLength(0); // both held
    const release = await fetch(`${mock.url}/__dev/pay/release`, { method: 'POST', body: JSON.stringify({ newestFirst: true }) });
    // (An earlier test's refund may finish while notifications are held: only this trade's are looked at.)
    expect(((await release.json()) as { released: number }).released).toBeGreaterThanOrEqual(2);
    const ofThisTrade = () => received.map((r) => decrypted(r.body)).filter((n) => n.resource.out_trade_no === body.out_trade_no);
    await expect.poll(() => ofThisTrade().length, { timeout: 5_000 }).toBe(2);
    expect(ofThisTrade().map((n) => n.eventType)).toEqual(['REFUND.ABNORMAL', 'TRANSACTION.SUCCESS']);
    // An ABNORMAL refund gives the amount back to the trade: it can be refunded again.
    expect((await call('POST', '/v3/refund/domestic/refunds', refundBody(body.out_trade_no))).status).toBe(200);
  });

  it('dev endpoints for journeys say a trade’s state (GET /__dev/pay/trade) and a refund’s status (GET /__dev/pay/refund), null for unknown ones', async () => {
    const state = async (outTradeNo: string) =>
      ((await (await fetch(`${mock.url}/__dev/pay/trade?outTradeNo=${outTradeNo}`)).json()) as { state: unknown }).state;
    const body = prepayBody();
    await call('POST', '/v3/pay/transactions/jsapi', body);
    expect(await state(body.out_trade_no)).toBe('NOTPAY');
    await call('POST', `/v3/pay/transactions/out-trade-no/${body.out_trade_no}/close`, { mchid: MERCHANT.mchId });
    expect(await state(body.out_trade_no)).toBe('CLOSED');
    expect(await state('NOSUCHTRADE1')).toBeNull();

    const paid = prepayBody();
    await call('POST', '/v3/pay/transactions/jsapi', paid);
    expect(mock.world.pay.pay({ outTradeNo: paid.out_trade_no }, { notify: false }).ok).toBe(true);
    const refund = refundBody(paid.out_trade_no);
    await call('POST', '/v3/refund/domestic/refunds', refund);
    const status = async (outRefundNo: string) =>
      ((await (await fetch(`${mock.url}/__dev/pay/refund?outRefundNo=${outRefundNo}`)).json()) as { status: unknown }).status;
    await expect.poll(() => status(refund.out_refund_no), { timeout: 5_000 }).toBe('SUCCESS');
    expect(await status('NOSUCHREFUND')).toBeNull();
  });
});
