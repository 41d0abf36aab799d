/**
 * WeChat Pay API v3 as the mock plays it (JSAPI for mini-programs), written from WeChat Pay's
 * documentation and not from the server's code, so that a mistake there cannot hide itself:
 * - it holds its own platform key pair (public-key mode: serial `PUB_KEY_ID_…`, generated at
 *   start, never a real key) and the merchant's public key, verifies every request's
 *   `WECHATPAY2-SHA256-RSA2048` signature (401 SIGN_ERROR), and signs every answer
 *   (`Wechatpay-Timestamp/-Nonce/-Signature/-Serial`, over `TIMESTAMP\nNONCE\nBODY\n`);
 * - POST /v3/pay/transactions/jsapi, GET …/out-trade-no/{no}?mchid=, POST …/out-trade-no/{no}/close,
 *   with the documented error codes (PARAM_ERROR, SIGN_ERROR, MCH_NOT_EXISTS,
 *   APPID_MCHID_NOT_MATCH, INVALID_REQUEST, ORDERPAID, ORDER_CLOSED, ORDER_NOT_EXIST);
 * - refunds: POST /v3/refund/domestic/refunds (idempotent by out_refund_no; RESOURCE_NOT_EXISTS,
 *   INVALID_REQUEST, NOT_ENOUGH, PARAM_ERROR) and GET /v3/refund/domestic/refunds/{no}; a refund
 *   answers PROCESSING, turns SUCCESS (or ABNORMAL, a fault) after `refundDelayMs`, and then its
 *   REFUND.* notification goes to its notify_url like a payment's;
 * - `pay()` (the dev endpoint POST /__dev/pay) is the user paying in WeChat: the transaction
 *   becomes SUCCESS and its notification, AEAD_AES_256_GCM-encrypted with the APIv3 key and
 *   signed, goes to notify_url; a failed delivery (not 200/204, or no answer in 5 s) is retried
 *   on WeChat Pay's schedule (15 s, 15 s, 30 s, 3 m, 10 m, 20 m, 30 m, 30 m, 30 m, 60 m, 3 h, 3 h,
 *   3 h, 6 h, 6 h), which `notifyScheduleScale` compresses for tests;
 * - faults: each delivered twice at once (duplicates), a bad signature on the next deliveries,
 *   notifications delayed or held until released (a test pays without the notification
 *   arriving; POST /__dev/pay/release sends them, in the order they were made or, for
 *   out-of-order delivery, newest first), queries that answer NOTPAY for a paid trade (WeChat
 *   Pay's lag), refunds that end ABNORMAL.
 */
import {
  createCipheriv,
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';

export const DEV_PAY = {
  mchId: '1900000000',
  /** 32 characters, recognisably not a real APIv3 key (the server refuses it in production). */
  apiV3Key: 'dev-only-wechatpay-apiv3-key-32b',
  merchantSerialNo: 'DEV0000000000000000000000000000000000000',
} as const;

/** WeChat Pay's retry schedule of a failed notification, in seconds (about 24 hours in all). */
export const NOTIFY_SCHEDULE_SECONDS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600] as const;

export interface PayMockOptions {
  mchId?: string;
  apiV3Key?: string;
  merchantSerialNo?: string;
  /** The merchant's API public key (PEM). Unset: the mock makes a merchant key pair (dev only). */
  merchantPublicKeyPem?: string;
  /** Multiplies the notification retry delays (tests: 0.001 makes 15 s into 15 ms). */
  notifyScheduleScale?: number;
  /** Per-delivery timeout (WeChat Pay waits 5 s). */
  notifyTimeoutMs?: number;
  /** How long a refund stays PROCESSING before it succeeds (WeChat Pay: seconds for 零钱). */
  refundDelayMs?: number;
}

export interface PayFaults {
  /** Each notification is delivered this many more times, at once (duplicates). */
  duplicateNotifications: number;
  /** The next this many deliveries carry a signature by the wrong key. */
  badSignatureNotifications: number;
  /** Each payment's first delivery waits this long (a late notification). */
  notificationDelayMs: number;
  /** Payments made while set send no notification until releaseNotifications(). */
  holdNotifications: boolean;
  /** The next this many queries of a paid trade answer NOTPAY, as if WeChat Pay lagged. */
  queryNotPay: number;
  /** The next this many refunds end ABNORMAL (the user's card cannot take the money back). */
  abnormalRefunds: number;
}

export interface PayAnswer {
  status: number;
  body: unknown;
}

/** REFUND: paid, then refunded (转入退款). */
export type MockTradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
export type MockRefundStatus = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL';

interface MockTransaction {
  appid: string;
  mchid: string;
  outTradeNo: string;
  description: string;
  notifyUrl: string;
  total: number;
  openid: string;
  timeExpire: number | null;
  /** The request body's business fields, to tell a repeat from a conflicting reuse. */
  fingerprint: string;
  prepayId: string;
  prepayExpiresAt: number;
  state: MockTradeState;
  transactionId: string | null;
  successTime: string | null;
}

interface MockRefund {
  outRefundNo: string;
  refundId: string;
  trade: MockTransaction;
  refund: number;
  reason: string;
  notifyUrl: string | null;
  status: MockRefundStatus;
  createTime: string;
  successTime: string | null;
}

/** A notification made and waiting to be delivered (or held). */
interface Notice {
  outTradeNo: string;
  eventType: string;
  notifyUrl: string;
  id: string;
  body: string;
}

export interface NotificationDelivery {
  outTradeNo: string;
  eventType: string;
  notificationId: string;
  attempt: number;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  badSignature: boolean;
}

const PREPAY_TTL_MS = 2 * 60 * 60_000;
const MAX_SKEW_SECONDS = 300;
const NO_PAY_FAULTS: PayFaults = {
  duplicateNotifications: 0,
  badSignatureNotifications: 0,
  notificationDelayMs: 0,
  holdNotifications: false,
  queryNotPay: 0,
  abnormalRefunds: 0,
};

const err = (status: number, code: string, message: string): PayAnswer => ({ status, body: { code, message } });

/** A request's body as a JSON object, or null (the caller answers PARAM_ERROR, as WeChat Pay does). */
function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const notJson = (): PayAnswer => err(400, 'PARAM_ERROR', '请求体不是JSON');

/** An amount as WeChat Pay takes it: whole fen, at least 1. */
const isFen = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 1;

const TRADE_STATE_DESC: Record<MockTradeState, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REFUND: '转入退款',
};

/** RFC 3339 in China's time, as WeChat Pay writes times. */
function chinaTime(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function sign(message: string, key: KeyObject): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(key, 'base64');
}

function parseAuthorization(header: string | undefined): Record<string, string> | null {
  const schema = 'WECHATPAY2-SHA256-RSA2048 ';
  if (!header?.startsWith(schema)) return null;
  const fields: Record<string, string> = {};
  for (const match of header.slice(schema.length).matchAll(/(\w+)="([^"]*)"/g)) fields[match[1] ?? ''] = match[2] ?? '';
  return fields;
}

export class WeChatPayMock {
  readonly appId: string;
  readonly mchId: string;
  readonly apiV3Key: string;
  readonly merchantSerialNo: string;
  /** The platform public key's id (public-key mode), sent as Wechatpay-Serial. */
  readonly publicKeyId: string;
  /** WeChat Pay's public key (PEM), for the merchant to configure. */
  readonly platformPublicKeyPem: string;
  /** Set when the mock made the merchant's key pair itself (dev): the private key for the server. */
  readonly merchantPrivateKeyPem: string | null;
  readonly #platformPrivateKey: KeyObject;
  /** Signs "bad signature" notifications: a key WeChat Pay's public key does not match. */
  readonly #wrongKey: KeyObject;
  readonly #merchantPublicKey: KeyObject;
  readonly #now: () => number;
  readonly #scale: number;
  readonly #notifyTimeoutMs: number;
  readonly #refundDelayMs: number;
  #transactions = new Map<string, MockTransaction>();
  #refunds = new Map<string, MockRefund>();
  #timers = new Set<NodeJS.Timeout>();
  /** Notifications held by faults.holdNotifications, oldest first. */
  #held: Notice[] = [];
  faults: PayFaults = { ...NO_PAY_FAULTS };
  deliveries: NotificationDelivery[] = [];

  constructor(appId: string, options: PayMockOptions = {}, now: () => number = Date.now) {
    this.appId = appId;
    this.mchId = options.mchId ?? DEV_PAY.mchId;
    this.apiV3Key = options.apiV3Key ?? DEV_PAY.apiV3Key;
    this.merchantSerialNo = options.merchantSerialNo ?? DEV_PAY.merchantSerialNo;
    this.#now = now;
    this.#scale = options.notifyScheduleScale ?? 1;
    this.#notifyTimeoutMs = options.notifyTimeoutMs ?? 5_000;
    this.#refundDelayMs = options.refundDelayMs ?? 1_000;
    const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#platformPrivateKey = platform.privateKey;
    this.platformPublicKeyPem = platform.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.publicKeyId = `PUB_KEY_ID_0${this.mchId}DEVONLY${randomBytes(4).toString('hex').toUpperCase()}`;
    this.#wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    if (options.merchantPublicKeyPem) {
      this.#merchantPublicKey = createPublicKey(options.merchantPublicKeyPem);
      this.merchantPrivateKeyPem = null;
    } else {
      const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.#merchantPublicKey = merchant.publicKey;
      this.merchantPrivateKeyPem = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    }
  }

  setFaults(faults: Partial<PayFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /** No faults: every one back to its default (DELETE /__dev/pay/faults). */
  clearFaults(): void {
    this.faults = { ...NO_PAY_FAULTS };
  }

  reset(): void {
    this.stop();
    this.#transactions.clear();
    this.#refunds.clear();
    this.#held = [];
    this.clearFaults();
    this.deliveries = [];
  }

  /** Cancels pending notification retries (the mock is closing). */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** The headers WeChat Pay puts on an answer or a notification: its signature over the body. */
  signedHeaders(body: string, options: { badSignature?: boolean } = {}): Record<string, string> {
    const timestamp = String(Math.floor(this.#now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const key = options.badSignature ? this.#wrongKey : this.#platformPrivateKey;
    return {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': sign(`${timestamp}\n${nonce}\n${body}\n`, key),
      'wechatpay-serial': this.publicKeyId,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      'request-id': randomUUID(),
    };
  }

  /** Checks a merchant request's Authorization header (签名验证), as WeChat Pay does. */
  #checkSignature(method: string, pathWithQuery: string, authorization: string | undefined, body: string): PayAnswer | null {
    const fields = parseAuthorization(authorization);
    if (!fields?.mchid || !fields.nonce_str || !fields.signature || !fields.timestamp || !fields.serial_no) {
      return err(401, 'SIGN_ERROR', 'Authorization 头缺失或格式错误');
    }
    if (fields.mchid !== this.mchId) return err(400, 'MCH_NOT_EXISTS', '商户号不存在');
    if (fields.serial_no !== this.merchantSerialNo) return err(401, 'SIGN_ERROR', '商户证书序列号有误');
    if (!/^\d+$/.test(fields.timestamp) || Math.abs(this.#now() / 1000 - Number(fields.timestamp)) > MAX_SKEW_SECONDS) {
      return err(401, 'SIGN_ERROR', '时间戳已过期');
    }
    const message = `${method}\n${pathWithQuery}\n${fields.timestamp}\n${fields.nonce_str}\n${body}\n`;
    let valid = false;
    try {
      valid = createVerify('RSA-SHA256').update(message, 'utf8').verify(this.#merchantPublicKey, fields.signature, 'base64');
    } catch {
      valid = false;
    }
    return valid ? null : err(401, 'SIGN_ERROR', '签名错误');
  }

  /** One API request (already routed under /v3/pay/ or /v3/refund/), answered as WeChat Pay would. */
  handle(request: { method: string; pathWithQuery: string; authorization: string | undefined; body: string }): PayAnswer {
    const url = new URL(request.pathWithQuery, 'https://api.mch.weixin.qq.com');
    const signatureProblem = this.#checkSignature(request.method, request.pathWithQuery, request.authorization, request.body);
    if (signatureProblem) return signatureProblem;
    const path = url.pathname;
    if (request.method === 'POST' && path === '/v3/pay/transactions/jsapi') return this.#jsapi(request.body);
    const query = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && query?.[1]) return this.#query(decodeURIComponent(query[1]), url.searchParams.get('mchid'));
    const close = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(path);
    if (request.method === 'POST' && close?.[1]) return this.#close(decodeURIComponent(close[1]), request.body);
    if (request.method === 'POST' && path === '/v3/refund/domestic/refunds') return this.#refund(request.body);
    const refundQuery = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && refundQuery?.[1]) return this.#queryRefund(decodeURIComponent(refundQuery[1]));
    return err(404, 'NOT_FOUND', '接口不存在');
  }

  #jsapi(text: string): PayAnswer {
    const body = jsonObject(text);
    if (!body) return notJson();
    const amount = body.amount as { total?: unknown; currency?: unknown } | undefined;
    const payer = body.payer as { openid?: unknown } | undefined;
    const problems: string[] = [];
    if (typeof body.appid !== 'string') problems.push('appid');
    if (typeof body.mchid !== 'string') problems.push('mchid');
    if (typeof body.description !== 'string' || body.description.length < 1 || body.description.length > 127) problems.push('description');
    if (typeof body.out_trade_no !== 'string' || !/^[0-9A-Za-z_\-|*]{6,32}$/.test(body.out_trade_no)) problems.push('out_trade_no');
    if (typeof body.notify_url !== 'string' || !/^https?:\/\/[^?#]+$/.test(body.notify_url)) problems.push('notify_url');
    if (!isFen(amount?.total)) problems.push('amount.total');
    if (amount?.currency !== undefined && amount.currency !== 'CNY') problems.push('amount.currency');
    if (typeof payer?.openid !== 'string' || payer.openid.length === 0) problems.push('payer.openid');
    let timeExpire: number | null = null;
    if (body.time_expire !== undefined) {
      timeExpire =
        typeof body.time_expire === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$/.test(body.time_expire)
          ? Date.parse(body.time_expire)
          : Number.NaN;
      if (Number.isNaN(timeExpire)) problems.push('time_expire');
    }
    if (problems.length > 0) return err(400, 'PARAM_ERROR', `参数错误: ${problems.join(', ')}`);
    const b = body as { appid: string; mchid: string; description: string; out_trade_no: string; notify_url: string };
    if (b.mchid !== this.mchId) return err(400, 'MCH_NOT_EXISTS', '商户号不存在');
    if (b.appid !== this.appId) return err(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (timeExpire !== null && timeExpire <= this.#now()) return err(400, 'PARAM_ERROR', 'time_expire 已过期');

    const fingerprint = JSON.stringify([b.appid, b.description, b.notify_url, amount?.total, payer?.openid, body.time_expire ?? null]);
    const key = `${b.mchid}:${b.out_trade_no}`;
    const known = this.#transactions.get(key);
    const now = this.#now();
    if (known) {
      if (known.state === 'SUCCESS' || known.state === 'REFUND') return err(400, 'ORDERPAID', '该订单已支付');
      if (known.state === 'CLOSED') return err(400, 'ORDER_CLOSED', '该订单已关闭');
      if (known.fingerprint !== fingerprint) return err(400, 'INVALID_REQUEST', '201 商户订单号重复');
      // The same trade asked again: its prepay while valid, else a new one.
      if (known.prepayExpiresAt <= now) {
        known.prepayId = `wx${randomBytes(14).toString('hex')}`;
        known.prepayExpiresAt = now + PREPAY_TTL_MS;
      }
      return { status: 200, body: { prepay_id: known.prepayId } };
    }
    const transaction: MockTransaction = {
      appid: b.appid,
      mchid: b.mchid,
      outTradeNo: b.out_trade_no,
      description: b.description,
      notifyUrl: b.notify_url,
      total: amount?.total as number,
      openid: payer?.openid as string,
      timeExpire,
      fingerprint,
      prepayId: `wx${randomBytes(14).toString('hex')}`,
      prepayExpiresAt: now + PREPAY_TTL_MS,
      state: 'NOTPAY',
      transactionId: null,
      successTime: null,
    };
    this.#transactions.set(key, transaction);
    return { status: 200, body: { prepay_id: transaction.prepayId } };
  }

  #transactionBody(t: MockTransaction): Record<string, unknown> {
    return {
      appid: t.appid,
      mchid: t.mchid,
      out_trade_no: t.outTradeNo,
      ...(t.transactionId ? { transaction_id: t.transactionId } : {}),
      trade_type: 'JSAPI',
      trade_state: t.state,
      trade_state_desc: TRADE_STATE_DESC[t.state],
      ...(t.successTime ? { bank_type: 'OTHERS', success_time: t.successTime } : {}),
      attach: '',
      payer: { openid: t.openid },
      amount: { total: t.total, currency: 'CNY', ...(t.successTime ? { payer_total: t.total, payer_currency: 'CNY' } : {}) },
    };
  }

  #query(outTradeNo: string, mchid: string | null): PayAnswer {
    if (mchid === null) return err(400, 'PARAM_ERROR', '缺少参数 mchid');
    if (mchid !== this.mchId) return err(400, 'MCH_NOT_EXISTS', '商户号不存在');
    const t = this.#transactions.get(`${mchid}:${outTradeNo}`);
    if (!t) return err(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (t.state === 'SUCCESS' && this.faults.queryNotPay > 0) {
      this.faults = { ...this.faults, queryNotPay: this.faults.queryNotPay - 1 };
      return { status: 200, body: this.#transactionBody({ ...t, state: 'NOTPAY', transactionId: null, successTime: null }) };
    }
    return { status: 200, body: this.#transactionBody(t) };
  }

  #close(outTradeNo: string, text: string): PayAnswer {
    const body = jsonObject(text);
    if (!body) return notJson();
    if (body.mchid !== this.mchId) return err(400, 'MCH_NOT_EXISTS', '商户号不存在');
    const t = this.#transactions.get(`${this.mchId}:${outTradeNo}`);
    if (!t) return err(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (t.state === 'SUCCESS' || t.state === 'REFUND') return err(400, 'ORDERPAID', '该订单已支付');
    t.state = 'CLOSED';
    return { status: 204, body: null };
  }

  /** The trade state of an out_trade_no (tests). */
  stateOf(outTradeNo: string): MockTradeState | null {
    return this.#transactions.get(`${this.mchId}:${outTradeNo}`)?.state ?? null;
  }

  /**
   * The user pays in WeChat: the transaction becomes SUCCESS and its notification is sent.
   * Refused (as the cashier would) for an unknown, closed, paid or expired trade.
   */
  pay(
    ref: { prepayId?: string; outTradeNo?: string },
    options: { notify?: boolean } = {},
  ): { ok: true; outTradeNo: string; transactionId: string } | { ok: false; error: string } {
    const t = [...this.#transactions.values()].find((candidate) =>
      ref.prepayId ? candidate.prepayId === ref.prepayId : candidate.outTradeNo === ref.outTradeNo,
    );
    if (!t) return { ok: false, error: 'unknown prepay_id or out_trade_no' };
    if (t.state === 'SUCCESS' || t.state === 'REFUND') return { ok: false, error: 'already paid' };
    if (t.state === 'CLOSED') return { ok: false, error: 'the trade is closed' };
    const now = this.#now();
    if (t.timeExpire !== null && t.timeExpire <= now) return { ok: false, error: 'the trade expired (time_expire)' };
    if (ref.prepayId && t.prepayExpiresAt <= now) return { ok: false, error: 'the prepay_id expired' };
    t.state = 'SUCCESS';
    // 28 digits, beginning 4200 as WeChat Pay's transaction ids do.
    t.transactionId = `4200${Array.from(randomBytes(24), (byte) => byte % 10).join('')}`;
    t.successTime = chinaTime(now);
    if (options.notify !== false) this.#notify(this.#paymentNotice(t));
    return { ok: true, outTradeNo: t.outTradeNo, transactionId: t.transactionId };
  }

  /**
   * Sends the notifications held by faults.holdNotifications (and stops holding); how many.
   * `newestFirst` delivers them out of order: a refund's notification before its payment's.
   */
  releaseNotifications(options: { newestFirst?: boolean } = {}): number {
    const held = options.newestFirst ? [...this.#held].reverse() : this.#held;
    this.#held = [];
    this.faults = { ...this.faults, holdNotifications: false };
    // One after another, each delivered before the next is sent, so the order is the order received.
    void held.reduce<Promise<void>>((previous, notice) => previous.then(() => this.#deliverAll(notice)), Promise.resolve());
    return held.length;
  }

  /**
   * A signed notification of a trade, as it would be delivered, for tests that hand it to the
   * server themselves. `transaction` overrides fields of the encrypted transaction (what WeChat
   * Pay would say about another amount or merchant); `apiV3Key` encrypts with another key.
   */
  notificationFor(
    outTradeNo: string,
    options: { transaction?: Record<string, unknown>; badSignature?: boolean; apiV3Key?: string } = {},
  ): { body: string; headers: Record<string, string> } | null {
    const t = this.#transactions.get(`${this.mchId}:${outTradeNo}`);
    if (!t) return null;
    const resource = { ...this.#transactionBody(t), ...options.transaction };
    const { body } = this.#notificationBody('TRANSACTION.SUCCESS', '支付成功', 'transaction', resource, options.apiV3Key);
    return {
      body,
      headers: { 'content-type': 'application/json', ...this.signedHeaders(body, { badSignature: options.badSignature === true }) },
    };
  }

  /**
   * A signed notification of a refund, as it would be delivered (tests that hand it to the
   * server themselves); `refund` overrides fields of the encrypted refund.
   */
  refundNotificationFor(
    outRefundNo: string,
    options: { refund?: Record<string, unknown> } = {},
  ): { body: string; headers: Record<string, string> } | null {
    const r = this.#refunds.get(outRefundNo);
    if (!r) return null;
    const { body } = this.#notificationBody(`REFUND.${r.status}`, '退款通知', 'refund', {
      ...this.#refundNotificationResource(r),
      ...options.refund,
    });
    return { body, headers: { 'content-type': 'application/json', ...this.signedHeaders(body) } };
  }

  /**
   * A notification's body: the resource encrypted with the APIv3 key (AEAD_AES_256_GCM), its
   * associated_data the resource's type, as WeChat Pay's.
   */
  #notificationBody(
    eventType: string,
    summary: string,
    originalType: 'transaction' | 'refund',
    resource: Record<string, unknown>,
    apiV3Key = this.apiV3Key,
  ): { id: string; body: string } {
    const id = randomUUID();
    const nonce = randomBytes(6).toString('hex'); // 12 characters, as WeChat Pay's
    const associatedData = originalType;
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const plaintext = JSON.stringify(resource);
    const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const body = JSON.stringify({
      id,
      create_time: chinaTime(this.#now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: {
        original_type: originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encrypted.toString('base64'),
        associated_data: associatedData,
        nonce,
      },
    });
    return { id, body };
  }

  #paymentNotice(t: MockTransaction): Notice {
    const { id, body } = this.#notificationBody('TRANSACTION.SUCCESS', '支付成功', 'transaction', this.#transactionBody(t));
    return { outTradeNo: t.outTradeNo, eventType: 'TRANSACTION.SUCCESS', notifyUrl: t.notifyUrl, id, body };
  }

  /** Sends a notification (held while faults.holdNotifications, late by notificationDelayMs). */
  #notify(notice: Notice): void {
    if (this.faults.holdNotifications) {
      this.#held.push(notice);
      return;
    }
    if (this.faults.notificationDelayMs <= 0) {
      void this.#deliverAll(notice);
      return;
    }
    this.#later(this.faults.notificationDelayMs, () => void this.#deliverAll(notice));
  }

  /** The notification's first delivery, and its duplicates (faults.duplicateNotifications) at once. */
  async #deliverAll(notice: Notice): Promise<void> {
    const copies = 1 + this.faults.duplicateNotifications;
    await Promise.all(Array.from({ length: copies }, () => this.#deliver(notice, 1)));
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  /** One delivery attempt; a failure schedules the next per WeChat Pay's schedule, each re-signed. */
  async #deliver(notice: Notice, attempt: number): Promise<void> {
    const badSignature = this.faults.badSignatureNotifications > 0;
    if (badSignature) this.faults = { ...this.faults, badSignatureNotifications: this.faults.badSignatureNotifications - 1 };
    let status = 0;
    try {
      const response = await fetch(notice.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/4.0', ...this.signedHeaders(notice.body, { badSignature }) },
        body: notice.body,
        signal: AbortSignal.timeout(this.#notifyTimeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    this.deliveries.push({
      outTradeNo: notice.outTradeNo,
      eventType: notice.eventType,
      notificationId: notice.id,
      attempt,
      status,
      badSignature,
    });
    if (status === 200 || status === 204) return;
    const delaySeconds = NOTIFY_SCHEDULE_SECONDS[attempt - 1];
    if (delaySeconds === undefined) return; // WeChat Pay gives up after its schedule
    this.#later(delaySeconds * 1000 * this.#scale, () => void this.#deliver(notice, attempt + 1));
  }

  /** POST /v3/refund/domestic/refunds (申请退款). */
  #refund(text: string): PayAnswer {
    const body = jsonObject(text);
    if (!body) return notJson();
    const amount = body.amount as { refund?: unknown; total?: unknown; currency?: unknown } | undefined;
    const problems: string[] = [];
    const hasTrade = typeof body.out_trade_no === 'string' || typeof body.transaction_id === 'string';
    if (!hasTrade) problems.push('out_trade_no/transaction_id');
    if (typeof body.out_refund_no !== 'string' || !/^[0-9A-Za-z_\-|*@]{1,64}$/.test(body.out_refund_no)) problems.push('out_refund_no');
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 80)) problems.push('reason');
    if (body.notify_url !== undefined && (typeof body.notify_url !== 'string' || !/^https?:\/\/[^?#]+$/.test(body.notify_url))) {
      problems.push('notify_url');
    }
    if (!isFen(amount?.refund)) problems.push('amount.refund');
    if (!isFen(amount?.total)) problems.push('amount.total');
    if (amount?.currency !== 'CNY') problems.push('amount.currency');
    if (problems.length > 0) return err(400, 'PARAM_ERROR', `参数错误: ${problems.join(', ')}`);
    const b = body as { out_trade_no?: string; transaction_id?: string; out_refund_no: string; reason?: string; notify_url?: string };
    const refundFen = amount?.refund as number;

    const t = b.out_trade_no
      ? this.#transactions.get(`${this.mchId}:${b.out_trade_no}`)
      : [...this.#transactions.values()].find((candidate) => candidate.transactionId === b.transaction_id);
    if (!t) return err(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const known = this.#refunds.get(b.out_refund_no);
    if (known) {
      // The same out_refund_no again: that refund, unless it names another trade or amount.
      if (known.trade !== t || known.refund !== refundFen) return err(400, 'INVALID_REQUEST', '商户退款单号重复');
      return { status: 200, body: this.#refundBody(known) };
    }
    if (t.state !== 'SUCCESS' && t.state !== 'REFUND') return err(400, 'INVALID_REQUEST', '订单未支付，不能退款');
    if (amount?.total !== t.total) return err(400, 'INVALID_REQUEST', '订单金额与原订单不一致');
    if (refundFen > t.total - this.#refundedFen(t)) return err(403, 'NOT_ENOUGH', '退款金额超过可退金额');

    const refund: MockRefund = {
      outRefundNo: b.out_refund_no,
      // 29 digits, beginning 50 as WeChat Pay's refund ids do.
      refundId: `50${Array.from(randomBytes(27), (byte) => byte % 10).join('')}`,
      trade: t,
      refund: refundFen,
      reason: b.reason ?? '',
      notifyUrl: b.notify_url ?? null,
      status: 'PROCESSING',
      createTime: chinaTime(this.#now()),
      successTime: null,
    };
    this.#refunds.set(refund.outRefundNo, refund);
    t.state = 'REFUND';
    const abnormal = this.faults.abnormalRefunds > 0;
    if (abnormal) this.faults = { ...this.faults, abnormalRefunds: this.faults.abnormalRefunds - 1 };
    this.#later(this.#refundDelayMs, () => this.#finishRefund(refund, abnormal ? 'ABNORMAL' : 'SUCCESS'));
    return { status: 200, body: this.#refundBody(refund) };
  }

  /** The refund leaves PROCESSING; WeChat Pay then notifies the refund's notify_url, if it had one. */
  #finishRefund(refund: MockRefund, status: 'SUCCESS' | 'ABNORMAL'): void {
    refund.status = status;
    if (status === 'SUCCESS') refund.successTime = chinaTime(this.#now());
    if (!refund.notifyUrl) return;
    const eventType = `REFUND.${status}`;
    const { id, body } = this.#notificationBody(eventType, '退款通知', 'refund', this.#refundNotificationResource(refund));
    this.#notify({ outTradeNo: refund.trade.outTradeNo, eventType, notifyUrl: refund.notifyUrl, id, body });
  }

  /** Fen of a trade refunded or being refunded (its refunds that did not end ABNORMAL). */
  #refundedFen(t: MockTransaction): number {
    let fen = 0;
    for (const r of this.#refunds.values()) if (r.trade === t && r.status !== 'ABNORMAL') fen += r.refund;
    return fen;
  }

  /** GET /v3/refund/domestic/refunds/{out_refund_no} (查询单笔退款). */
  #queryRefund(outRefundNo: string): PayAnswer {
    const refund = this.#refunds.get(outRefundNo);
    if (!refund) return err(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return { status: 200, body: this.#refundBody(refund) };
  }

  /** A refund as the refund request and query answer it. */
  #refundBody(r: MockRefund): Record<string, unknown> {
    return {
      refund_id: r.refundId,
      out_refund_no: r.outRefundNo,
      transaction_id: r.trade.transactionId,
      out_trade_no: r.trade.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      ...(r.successTime ? { success_time: r.successTime } : {}),
      create_time: r.createTime,
      status: r.status,
      funds_account: 'AVAILABLE',
      amount: {
        total: r.trade.total,
        refund: r.refund,
        payer_total: r.trade.total,
        payer_refund: r.refund,
        settlement_refund: r.refund,
        settlement_total: r.trade.total,
        discount_refund: 0,
        currency: 'CNY',
      },
    };
  }

  /** A refund as its notification's resource carries it (refund_status; no appid). */
  #refundNotificationResource(r: MockRefund): Record<string, unknown> {
    return {
      mchid: r.trade.mchid,
      out_trade_no: r.trade.outTradeNo,
      transaction_id: r.trade.transactionId,
      out_refund_no: r.outRefundNo,
      refund_id: r.refundId,
      refund_status: r.status,
      ...(r.successTime ? { success_time: r.successTime } : {}),
      user_received_account: '支付用户零钱',
      amount: { total: r.trade.total, refund: r.refund, payer_total: r.trade.total, payer_refund: r.refund },
    };
  }

  /** A refund's state (tests). */
  refundStateOf(outRefundNo: string): MockRefundStatus | null {
    return this.#refunds.get(outRefundNo)?.status ?? null;
  }
}
