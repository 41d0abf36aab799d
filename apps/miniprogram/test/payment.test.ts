/**
 * The payment step's pure parts: the prepay id in requestPayment's `package`, telling the user's
 * cancel from a failure, and pay.confirm's schedule after the cashier (at once, then backing off,
 * stopping as soon as the server says the order is no longer pending).
 */
import type { Order, RequestPaymentParams } from '@app/shared';
import Taro from '@tarojs/taro';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CONFIRM_DELAYS_MS, confirmUntilSettled } from '../src/api/payment-confirm';
import { clientError } from '../src/errors/app-error';
import { canRequestPayment, isPaymentCancel, prepayIdOf, requestPayment } from '../src/platform/request-payment';
import { paymentNoteText } from '../src/shop/pages/order/use-payment';

// The build facts, changed per test: weapp, H5 beside the mock (dev, e2e), production H5.
const build = vi.hoisted(() => ({ isH5: false, wechatMockUrl: null as string | null }));
vi.mock('../src/config', () => ({
  get isH5() {
    return build.isH5;
  },
  clientEnv: {
    get wechatMockUrl() {
      return build.wechatMockUrl;
    },
  },
}));
vi.mock('@tarojs/taro', () => ({ default: { request: vi.fn(), requestPayment: vi.fn(), showModal: vi.fn(), showToast: vi.fn() } }));
vi.mock('../src/api/shop', () => ({ confirmPayment: vi.fn(), preparePayment: vi.fn() }));

function order(status: Order['status']): Order {
  const now = new Date('2026-11-30T10:00:00Z');
  return {
    id: 7,
    status,
    totalFen: 4500,
    items: [{ productId: 3, title: '竹制茶盘', unitPriceFen: 4500, quantity: 1, subtotalFen: 4500 }],
    createdAt: now,
    expiresAt: new Date(now.getTime() + 15 * 60_000),
    paidAt: status === 'PAID' ? now : null,
    closedAt: null,
    closeReason: null,
  };
}

describe('prepayIdOf', () => {
  it('takes the id out of `prepay_id=…`', () => {
    expect(prepayIdOf('prepay_id=wx201410272009395522657a690389285100')).toBe('wx201410272009395522657a690389285100');
  });
  it('refuses anything else', () => {
    for (const pkg of ['', 'prepay_id=', 'wx2014', 'Sign=WXPay', 'prepay_id=a b', 'prepay_id=x&y=1', 'xprepay_id=abc']) {
      expect(prepayIdOf(pkg), pkg).toBeNull();
    }
  });
});

describe('isPaymentCancel', () => {
  it('is the user closing the cashier', () => {
    expect(isPaymentCancel('requestPayment:fail cancel')).toBe(true);
    expect(isPaymentCancel('requestPayment:cancel')).toBe(true);
  });
  it('is not any other failure', () => {
    for (const errMsg of [
      'requestPayment:fail',
      'requestPayment:fail (detail message)',
      'requestPayment:fail cancelled by system?',
      'request:fail cancel',
      undefined,
      null,
      42,
    ]) {
      expect(isPaymentCancel(errMsg), String(errMsg)).toBe(false);
    }
  });
});

const PARAMS: RequestPaymentParams = {
  timeStamp: '1764496800',
  nonceStr: 'n0nce',
  package: 'prepay_id=wx30180000000000000000000001',
  signType: 'RSA',
  paySign: 'c2lnbg==',
};

describe('requestPayment', () => {
  beforeEach(() => {
    vi.mocked(Taro.request).mockReset();
    vi.mocked(Taro.requestPayment).mockReset();
    vi.mocked(Taro.showModal).mockReset();
  });

  it('on WeChat is Taro.requestPayment with the parameters unchanged; its cancel is a cancel, anything else a failure', async () => {
    Object.assign(build, { isH5: false, wechatMockUrl: null });
    expect(canRequestPayment()).toBe(true);
    vi.mocked(Taro.requestPayment).mockResolvedValueOnce({ errMsg: 'requestPayment:ok' });
    expect(await requestPayment(PARAMS)).toEqual({ ok: true });
    expect(Taro.requestPayment).toHaveBeenCalledWith(PARAMS);
    vi.mocked(Taro.requestPayment).mockRejectedValueOnce({ errMsg: 'requestPayment:fail cancel' });
    expect(await requestPayment(PARAMS)).toEqual({ ok: false, reason: 'cancelled' });
    vi.mocked(Taro.requestPayment).mockRejectedValueOnce({ errMsg: 'requestPayment:fail 支付失败' });
    expect(await requestPayment(PARAMS)).toEqual({ ok: false, reason: 'failed', detail: 'requestPayment:fail 支付失败' });
  });

  it('on H5 beside the mock: the stand-in asks, then POSTs the prepay id to /__dev/pay', async () => {
    Object.assign(build, { isH5: true, wechatMockUrl: 'http://127.0.0.1:3101' });
    expect(canRequestPayment()).toBe(true);
    vi.mocked(Taro.showModal).mockResolvedValueOnce({ confirm: true, cancel: false, errMsg: 'showModal:ok' });
    vi.mocked(Taro.request).mockResolvedValueOnce({ statusCode: 200, data: { ok: true }, header: {}, cookies: [], errMsg: 'request:ok' });
    expect(await requestPayment(PARAMS)).toEqual({ ok: true });
    expect(Taro.request).toHaveBeenCalledWith(
      expect.objectContaining({
        url: 'http://127.0.0.1:3101/__dev/pay',
        method: 'POST',
        data: { prepayId: 'wx30180000000000000000000001' },
      }),
    );

    // 取消 in the stand-in: nothing sent.
    vi.mocked(Taro.request).mockClear();
    vi.mocked(Taro.showModal).mockResolvedValueOnce({ confirm: false, cancel: true, errMsg: 'showModal:ok' });
    expect(await requestPayment(PARAMS)).toEqual({ ok: false, reason: 'cancelled' });
    expect(Taro.request).not.toHaveBeenCalled();

    // The mock refusing (a closed or expired trade): a failure.
    vi.mocked(Taro.showModal).mockResolvedValueOnce({ confirm: true, cancel: false, errMsg: 'showModal:ok' });
    vi.mocked(Taro.request).mockResolvedValueOnce({
      statusCode: 409,
      data: { ok: false, error: 'the trade is closed' },
      header: {},
      cookies: [],
      errMsg: 'request:ok',
    });
    expect(await requestPayment(PARAMS)).toEqual({ ok: false, reason: 'failed', detail: 'the trade is closed' });
  });

  it('on a production H5 build (no mock) cannot pay, and says so without asking anyone', async () => {
    Object.assign(build, { isH5: true, wechatMockUrl: null });
    expect(canRequestPayment()).toBe(false);
    expect(await requestPayment(PARAMS)).toEqual({ ok: false, reason: 'unsupported' });
    expect(Taro.showModal).not.toHaveBeenCalled();
    expect(Taro.request).not.toHaveBeenCalled();
  });
});

describe('the confirm schedule', () => {
  it('asks at once, then after 1, 2, 4, 8 and 15 s: about 30 s, within the 12 a minute the server allows', () => {
    expect(CONFIRM_DELAYS_MS).toEqual([0, 1_000, 2_000, 4_000, 8_000, 15_000]);
    expect(CONFIRM_DELAYS_MS.reduce((sum, ms) => sum + ms, 0)).toBe(30_000);
    expect(CONFIRM_DELAYS_MS.length).toBeLessThanOrEqual(12);
  });

  it('stops at the first answer that is not pending, waiting only between calls', async () => {
    const answers = [order('PENDING_PAYMENT'), order('PENDING_PAYMENT'), order('PAID')];
    const confirm = vi.fn(() => Promise.resolve(answers.shift()!));
    const sleep = vi.fn(() => Promise.resolve());
    const seen: string[] = [];
    const result = await confirmUntilSettled({ confirm, sleep, onOrder: (o) => seen.push(o.status) });
    expect(result.order?.status).toBe('PAID');
    expect(confirm).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls).toEqual([[1_000], [2_000]]);
    expect(seen).toEqual(['PENDING_PAYMENT', 'PENDING_PAYMENT', 'PAID']);
  });

  it('gives up after the schedule with the order still pending', async () => {
    const confirm = vi.fn(() => Promise.resolve(order('PENDING_PAYMENT')));
    const result = await confirmUntilSettled({ confirm, sleep: () => Promise.resolve() });
    expect(confirm).toHaveBeenCalledTimes(CONFIRM_DELAYS_MS.length);
    expect(result.order?.status).toBe('PENDING_PAYMENT');
  });

  it('takes a failed call as one try less, and reports the failure only when nothing answered', async () => {
    const limited = clientError('RATE_LIMITED', null);
    const confirm = vi.fn().mockRejectedValueOnce(limited).mockResolvedValueOnce(order('PAID'));
    expect((await confirmUntilSettled({ confirm, sleep: () => Promise.resolve() })).order?.status).toBe('PAID');

    const failing = vi.fn(() => Promise.reject(limited));
    const result = await confirmUntilSettled({ confirm: failing, sleep: () => Promise.resolve(), delays: [0, 1, 2] });
    expect(failing).toHaveBeenCalledTimes(3);
    expect(result).toEqual({ order: null, error: limited });
  });

  it('stops when the page is gone', async () => {
    let gone = false;
    const confirm = vi.fn(() => {
      gone = true;
      return Promise.resolve(order('PENDING_PAYMENT'));
    });
    await confirmUntilSettled({ confirm, sleep: () => Promise.resolve(), stopped: () => gone });
    expect(confirm).toHaveBeenCalledTimes(1);
  });
});

describe('what the page says', () => {
  it('in Chinese, for each way a payment can end short of 已支付', () => {
    expect(paymentNoteText({ kind: 'idle' })).toBeNull();
    expect(paymentNoteText({ kind: 'starting' })).toBeNull();
    expect(paymentNoteText({ kind: 'cancelled' })).toMatch(/^已取消支付/);
    expect(paymentNoteText({ kind: 'disabled' })).toMatch(/^暂未开通在线支付/);
    expect(paymentNoteText({ kind: 'unsupported' })).toBe('网页版无法使用微信支付，请在微信中打开小程序');
    expect(paymentNoteText({ kind: 'failed', text: '支付未完成，请重试' })).toBe('支付未完成，请重试');
  });
});
