/**
 * The WeChat Pay API v3 client (api.mch.weixin.qq.com, or the WeChat mock in development and
 * tests): JSAPI prepay, query by out_trade_no, close; refunds and their query. Every request carries the merchant's
 * signature; every successful answer must carry WeChat Pay's valid signature, or it is refused
 * as a transport failure (an answer we cannot authenticate is no answer).
 *
 * One attempt per call, with a timeout (as the WeChat client's attempts): a prepay is asked
 * again by the user's next tap on 支付, which reuses a stored prepay or asks WeChat Pay again with
 * the same out_trade_no and parameters (WeChat Pay answers that with a prepay id again).
 */
import type { Span } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { inClientSpan } from '../../tracing/client-span';
import { authorizationHeader, createNonce, type MerchantCredentials } from './crypto';
import { transportErrorOf, WeChatTransportError } from '../errors';
import { WeChatPayApiError } from './errors';
import { signedHeadersOf, WeChatPaySignatureError, type SignatureVerifier } from './verifier';
import { exchange, type HttpAnswer } from '../http-exchange';

export const WECHATPAY_API = 'https://api.mch.weixin.qq.com';

export interface WeChatPayClientOptions {
  baseUrl: string;
  merchant: MerchantCredentials;
  verifier: SignatureVerifier;
  logger: Logger;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** Milliseconds since the epoch (request timestamps). */
  now?: () => number;
}

export interface JsapiPrepayRequest {
  appid: string;
  mchid: string;
  description: string;
  out_trade_no: string;
  /** RFC 3339 with the +08:00 offset, e.g. 2026-12-01T10:15:00+08:00. */
  time_expire?: string;
  notify_url: string;
  amount: { total: number; currency?: 'CNY' };
  payer: { openid: string };
  attach?: string;
}

export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';

/** A transaction as WeChat Pay describes it (query answers and decrypted notifications). */
export interface Transaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: string;
  trade_state: TradeState;
  trade_state_desc?: string;
  bank_type?: string;
  attach?: string;
  success_time?: string;
  payer?: { openid?: string };
  amount?: { total?: number; payer_total?: number; currency?: string; payer_currency?: string };
}

export interface RefundRequest {
  out_trade_no: string;
  out_refund_no: string;
  /** Shown to the user in WeChat's refund message; at most 80 characters. */
  reason?: string;
  notify_url?: string;
  amount: { refund: number; total: number; currency: 'CNY' };
}

export type RefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

/**
 * A refund as WeChat Pay describes it: the answer to a refund request or query (`status`), or a
 * decrypted refund notification (`refund_status`; the notification has no appid).
 */
export interface Refund {
  mchid?: string;
  out_trade_no: string;
  out_refund_no: string;
  refund_id?: string;
  transaction_id?: string;
  status?: RefundStatus;
  refund_status?: RefundStatus;
  success_time?: string;
  user_received_account?: string;
  amount?: { total?: number; refund?: number; payer_total?: number; payer_refund?: number; currency?: string };
}

/** Its state, whichever of WeChat Pay's two field names carries it. */
export function refundStatusOf(refund: Refund): RefundStatus | undefined {
  return refund.refund_status ?? refund.status;
}

const DEFAULT_TIMEOUT_MS = 5_000;

export class WeChatPayClient {
  readonly mchId: string;
  readonly #options: WeChatPayClientOptions;
  readonly #now: () => number;
  /** The base URL without its trailing slashes, once. */
  readonly #base: string;

  constructor(options: WeChatPayClientOptions) {
    this.mchId = options.merchant.mchId;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#base = options.baseUrl.replace(/\/+$/, '');
  }

  /**
   * One signed request, in a client span named by `route` (the path without its ids) that carries
   * the trace to WeChat Pay; the verified body (parsed JSON, or null for a 204).
   */
  async #request(method: 'GET' | 'POST', route: string, pathWithQuery: string, body?: unknown): Promise<unknown> {
    const url = new URL(`${this.#base}${pathWithQuery}`);
    return inClientSpan({ method, url, route }, (span, traceHeaders) =>
      this.#exchange(method, url, pathWithQuery, body, span, traceHeaders),
    );
  }

  async #exchange(
    method: 'GET' | 'POST',
    url: URL,
    pathWithQuery: string,
    body: unknown,
    span: Span,
    traceHeaders: Record<string, string>,
  ): Promise<unknown> {
    const endpoint = pathWithQuery.split('?')[0] ?? pathWithQuery;
    const text = body === undefined ? '' : JSON.stringify(body);
    const authorization = authorizationHeader(
      this.#options.merchant,
      { method, pathWithQuery, body: text },
      Math.floor(this.#now() / 1000),
      createNonce(),
    );
    let answer: HttpAnswer;
    try {
      answer = await exchange(url, {
        method,
        headers: {
          ...traceHeaders,
          authorization,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : text,
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
    } catch (error) {
      throw transportErrorOf(endpoint, error);
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
    if (!answer.ok) {
      let code = 'HTTP_ERROR';
      let message = '';
      try {
        const parsed = JSON.parse(answer.body) as { code?: unknown; message?: unknown };
        if (typeof parsed.code === 'string') code = parsed.code;
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch {
        // not JSON: a gateway's page
      }
      span.setAttribute('wechatpay.code', code);
      throw new WeChatPayApiError(endpoint, answer.status, code, message);
    }
    try {
      await this.#options.verifier.verify(signedHeadersOf(answer.headers), answer.body, { rememberNonce: false });
    } catch (error) {
      if (!(error instanceof WeChatPaySignatureError)) throw error;
      this.#options.logger.error({ endpoint, reason: error.reason }, 'WeChat Pay answer failed its signature check: refused');
      throw new WeChatTransportError(endpoint, 'http', `response signature: ${error.reason}`);
    }
    if (answer.status === 204 || answer.body === '') return null;
    try {
      return JSON.parse(answer.body) as unknown;
    } catch {
      throw new WeChatTransportError(endpoint, 'http', 'not JSON');
    }
  }

  /** POST /v3/pay/transactions/jsapi: the prepay id for `wx.requestPayment` (valid 2 hours). */
  async jsapiPrepay(request: JsapiPrepayRequest): Promise<{ prepayId: string }> {
    const data = (await this.#request('POST', '/v3/pay/transactions/jsapi', '/v3/pay/transactions/jsapi', request)) as {
      prepay_id?: unknown;
    } | null;
    if (typeof data?.prepay_id !== 'string' || data.prepay_id === '') {
      throw new WeChatTransportError('/v3/pay/transactions/jsapi', 'http', 'no prepay_id');
    }
    return { prepayId: data.prepay_id };
  }

  /** GET /v3/pay/transactions/out-trade-no/{no}?mchid=… */
  async queryByOutTradeNo(outTradeNo: string): Promise<Transaction> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(this.mchId)}`;
    const data = (await this.#request('GET', '/v3/pay/transactions/out-trade-no/{out_trade_no}', path)) as Transaction | null;
    if (!data || typeof data.trade_state !== 'string') throw new WeChatTransportError(path.split('?')[0] ?? path, 'http', 'no trade_state');
    return data;
  }

  /** POST /v3/pay/transactions/out-trade-no/{no}/close (204 on success). */
  async closeOrder(outTradeNo: string): Promise<void> {
    await this.#request(
      'POST',
      '/v3/pay/transactions/out-trade-no/{out_trade_no}/close',
      `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`,
      { mchid: this.mchId },
    );
  }

  /**
   * POST /v3/refund/domestic/refunds. Idempotent by out_refund_no: asking again for the same
   * refund answers that refund, so a retry never refunds twice.
   */
  async refund(request: RefundRequest): Promise<Refund> {
    const data = (await this.#request('POST', '/v3/refund/domestic/refunds', '/v3/refund/domestic/refunds', request)) as Refund | null;
    if (!data || typeof data.out_refund_no !== 'string' || !refundStatusOf(data)) {
      throw new WeChatTransportError('/v3/refund/domestic/refunds', 'http', 'no refund status');
    }
    return data;
  }

  /** GET /v3/refund/domestic/refunds/{out_refund_no} */
  async queryRefund(outRefundNo: string): Promise<Refund> {
    const endpoint = `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`;
    const data = (await this.#request('GET', '/v3/refund/domestic/refunds/{out_refund_no}', endpoint)) as Refund | null;
    if (!data || typeof data.out_refund_no !== 'string' || !refundStatusOf(data)) {
      throw new WeChatTransportError(endpoint, 'http', 'no refund status');
    }
    return data;
  }
}
