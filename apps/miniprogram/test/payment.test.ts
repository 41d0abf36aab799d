/**
 * The payment step's pure parts: the prepay id in requestPayment's `package`, telling the user's
 * cancel from a failure, the paid 订阅消息 asked for in the tap (and never in the payment's way),
 * and pay.confirm's schedule after the cashier and after 申请退款 (at once, then backing off,
 * stopping as soon as the server says the order is settled).
 */
import type { Order, RequestPaymentParams } from '@app/shared';
import Taro from '@tarojs/taro';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '@app/api';
import { CONFIRM_DELAYS_MS, confirmUntilSettled, REFUND_REQUESTED_DELAYS_MS, refundSettled } from '../src/api/payment-confirm';
import { clientError } from '../src/errors/app-error';
import { canRequestPayment, isPaymentCancel, prepayIdOf, requestPayment, type PaymentOutcome } from '../src/platform/request-payment';
import { requestSubscribeMessage, type SubscribeOutcome } from '../src/platform/subscribe-message';
import { attemptPayment, paymentNoteText, type PaySteps } from '../src/shop/pages/order/use-payment';
import { refundConfirmText, refundNoteText } from '../src/shop/pages/order/use-refund';

// The build facts, changed per test: weapp, H5 beside the mock (dev, e2e), production H5.
const build = vi.hoisted(() => ({ isH5: false, wechatMockUrl: null as string | null, paidMessageTemplateId: null as string | null }));
vi.mock('../src/config', () => ({
  get isH5() {
    return build.isH5;
  },
  clientEnv: {
    get wechatMockUrl() {
      return build.wechatMockUrl;
    },
    get paidMessageTemplateId() {
      return build.paidMessageTemplateId;
    },
  },
}));
vi.mock('@tarojs/taro', () => ({
  default: { request: vi.fn(), requestPayment: vi.fn(), requestSubscribeMessage: vi.fn(), showModal: vi.fn(), showToast: vi.fn() },
}));
vi.mock('../src/api/shop', () => ({ confirmOrder: vi.fn(), preparePayment: vi.fn(), requestRefund: vi.fn() }));
// The test user an H5 browser plays (?wxUser=…).
vi.mock('../src/platform/dev-wechat-user', () => ({ devWeChatUser: () => 'alice' }));

function order(status: Order['status']): Order {
  const now = new Date('2026-11-30T10:00:00Z');
  return {
    id: 7,
    status,
    totalFen: 4500,
    items: [{ productId: 3, title: '竹制茶盘', unitPriceFen: 4500, quantity: 1, subtotalFen: 4500 }],
    createdAt: now,
    expiresAt: new Date(now.getTime() + 15 * 60_000),
    paidAt: status === 'PAID' || status === 'REFUNDING' || status === 'REFUNDED' ? now : null,
    refundedAt: status === 'REFUNDED' ? now : null,
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

const TEMPLATE = 'Ab3_-kQyZ0wq0o2zvbR9lX8xX8c9nGg7QhN6fPd1K2M';

describe('requestSubscribeMessage', () => {
  beforeEach(() => {
    vi.mocked(Taro.request).mockReset();
    vi.mocked(Taro.requestSubscribeMessage).mockReset();
  });

  it('on WeChat asks for the one template, synchronously, and reads its answer; never rejects', async () => {
    Object.assign(build, { isH5: false, wechatMockUrl: null });
    vi.mocked(Taro.requestSubscribeMessage).mockResolvedValueOnce({ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE]: 'accept' });
    const asked = requestSubscribeMessage(TEMPLATE);
    // Already called, before any await: WeChat only shows the dialog inside the user's tap.
    expect(Taro.requestSubscribeMessage).toHaveBeenCalledWith({ tmplIds: [TEMPLATE] });
    expect(await asked).toBe('accepted');

    for (const answer of ['reject', 'ban', 'filter']) {
      vi.mocked(Taro.requestSubscribeMessage).mockResolvedValueOnce({ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE]: answer });
      expect(await requestSubscribeMessage(TEMPLATE), answer).toBe('refused');
    }
    // The user turned subscriptions off (20004), or anything else WeChat fails with.
    vi.mocked(Taro.requestSubscribeMessage).mockRejectedValueOnce({ errMsg: 'requestSubscribeMessage:fail', errCode: 20004 });
    expect(await requestSubscribeMessage(TEMPLATE)).toBe('failed');
    vi.mocked(Taro.requestSubscribeMessage).mockImplementationOnce(() => {
      throw new Error('boom');
    });
    expect(await requestSubscribeMessage(TEMPLATE)).toBe('failed');
    expect(Taro.request).not.toHaveBeenCalled();
  });

  it('on H5 beside the mock: the test user accepts, through POST /__dev/subscribe; a failure is only an outcome', async () => {
    Object.assign(build, { isH5: true, wechatMockUrl: 'http://127.0.0.1:3101' });
    vi.mocked(Taro.request).mockResolvedValueOnce({ statusCode: 200, data: { ok: true }, header: {}, cookies: [], errMsg: 'request:ok' });
    expect(await requestSubscribeMessage(TEMPLATE)).toBe('accepted');
    expect(Taro.request).toHaveBeenCalledWith(
      expect.objectContaining({
        url: 'http://127.0.0.1:3101/__dev/subscribe',
        method: 'POST',
        data: { user: 'alice', templateId: TEMPLATE },
      }),
    );
    vi.mocked(Taro.request).mockRejectedValueOnce({ errMsg: 'request:fail timeout' });
    expect(await requestSubscribeMessage(TEMPLATE)).toBe('failed');
    expect(Taro.requestSubscribeMessage).not.toHaveBeenCalled();
  });

  it('on a production H5 build has nothing to ask', async () => {
    Object.assign(build, { isH5: true, wechatMockUrl: null });
    expect(await requestSubscribeMessage(TEMPLATE)).toBe('unsupported');
    expect(Taro.request).not.toHaveBeenCalled();
    expect(Taro.requestSubscribeMessage).not.toHaveBeenCalled();
  });
});

describe('a tap on 去支付', () => {
  /** Steps that record the order things happen in; the subscription answers when told to. */
  function steps(subscription: SubscribeOutcome | 'never', cashier: PaymentOutcome = { ok: true }) {
    const log: string[] = [];
    let answer: (outcome: SubscribeOutcome) => void = () => undefined;
    const played: PaySteps = {
      subscribe: vi.fn(() => {
        log.push('subscribe');
        return new Promise<SubscribeOutcome>((resolve) => {
          answer = (outcome) => {
            log.push(`subscribed: ${outcome}`);
            resolve(outcome);
          };
        });
      }),
      prepare: vi.fn(() => {
        log.push('prepare');
        return Promise.resolve(PARAMS);
      }),
      cashier: vi.fn(() => {
        log.push('cashier');
        return Promise.resolve(cashier);
      }),
    };
    return { log, played, answer: () => subscription !== 'never' && answer(subscription) };
  }

  it('asks for the subscription first, in the tap, and opens the cashier once the user has answered', async () => {
    const { log, played, answer } = steps('accepted');
    const attempt = attemptPayment(7, played);
    expect(log).toEqual(['subscribe', 'prepare']);
    await Promise.resolve();
    expect(played.cashier).not.toHaveBeenCalled();
    answer();
    expect(await attempt).toEqual({ step: 'cashier', outcome: { ok: true } });
    expect(log).toEqual(['subscribe', 'prepare', 'subscribed: accepted', 'cashier']);
    expect(played.prepare).toHaveBeenCalledWith(7);
    expect(played.cashier).toHaveBeenCalledWith(PARAMS);
  });

  it('pays all the same when the user refuses, the request fails or the platform has none', async () => {
    for (const outcome of ['refused', 'failed', 'unsupported'] as const) {
      const { played, answer } = steps(outcome);
      const attempt = attemptPayment(7, played);
      answer();
      expect(await attempt, outcome).toEqual({ step: 'cashier', outcome: { ok: true } });
    }
  });

  it('stops at pay.prepare’s failure without waiting for the subscription', async () => {
    const { played } = steps('never');
    const refused = clientError('ORDER_STATE_CONFLICT', null);
    vi.mocked(played.prepare).mockRejectedValueOnce(refused);
    expect(await attemptPayment(7, played)).toEqual({ step: 'prepare', error: refused });
    expect(played.cashier).not.toHaveBeenCalled();
  });

  it('asks for the build’s template, or for nothing when it has none', async () => {
    Object.assign(build, { isH5: false, wechatMockUrl: null, paidMessageTemplateId: null });
    vi.mocked(Taro.requestSubscribeMessage).mockReset();
    vi.mocked(Taro.requestPayment).mockReset().mockResolvedValue({ errMsg: 'requestPayment:ok' });
    const { preparePayment } = await import('../src/api/shop');
    vi.mocked(preparePayment).mockResolvedValue(PARAMS);
    expect(await attemptPayment(7)).toEqual({ step: 'cashier', outcome: { ok: true } });
    expect(Taro.requestSubscribeMessage).not.toHaveBeenCalled();

    build.paidMessageTemplateId = TEMPLATE;
    vi.mocked(Taro.requestSubscribeMessage).mockResolvedValueOnce({ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE]: 'reject' });
    expect(await attemptPayment(7)).toEqual({ step: 'cashier', outcome: { ok: true } });
    expect(Taro.requestSubscribeMessage).toHaveBeenCalledWith({ tmplIds: [TEMPLATE] });
    expect(Taro.requestPayment).toHaveBeenCalledTimes(2);
    build.paidMessageTemplateId = null;
  });
});

/** When (ms, on fake timers from 0) each pay.confirm of a loop left to its own waits is made. */
async function confirmTimes(options: {
  settled?: (order: Order) => boolean;
  delays?: readonly number[];
  answer: Order;
}): Promise<number[]> {
  vi.useFakeTimers({ now: 0 });
  try {
    const at: number[] = [];
    const confirm = () => {
      at.push(Date.now());
      return Promise.resolve(options.answer);
    };
    const done = confirmUntilSettled({
      confirm,
      ...(options.settled ? { settled: options.settled } : {}),
      ...(options.delays ? { delays: options.delays } : {}),
    });
    await vi.runAllTimersAsync();
    expect(await done).toEqual(options.answer);
    return at;
  } finally {
    vi.useRealTimers();
  }
}

describe('the confirm schedule', () => {
  it('asks at once, then after 1, 2, 4, 8 and 15 s: six calls in 30 s, within the 12 a minute the server allows', async () => {
    const at = await confirmTimes({ answer: order('PENDING_PAYMENT') });
    expect(at).toEqual([0, 1_000, 3_000, 7_000, 15_000, 30_000]);
    // The times pinned above are those of the exported schedule: each call after its wait.
    expect(at).toEqual(CONFIRM_DELAYS_MS.map((_, i) => CONFIRM_DELAYS_MS.slice(0, i + 1).reduce((sum, ms) => sum + ms, 0)));
    // Within the server's own limit on payment queries in any window of its length.
    const { points, durationSeconds } = DEFAULT_RATE_LIMITS.payQueryPerUser;
    for (const start of at) expect(at.filter((t) => t >= start && t < start + durationSeconds * 1000).length).toBeLessThanOrEqual(points);
  });

  it('stops at the first answer that is not pending, waiting only between calls', async () => {
    const answers = [order('PENDING_PAYMENT'), order('PENDING_PAYMENT'), order('PAID')];
    const confirm = vi.fn(() => Promise.resolve(answers.shift()!));
    const sleep = vi.fn(() => Promise.resolve());
    const seen: string[] = [];
    const result = await confirmUntilSettled({ confirm, sleep, onOrder: (o) => seen.push(o.status) });
    expect(result?.status).toBe('PAID');
    expect(confirm).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls).toEqual([[1_000], [2_000]]);
    expect(seen).toEqual(['PENDING_PAYMENT', 'PENDING_PAYMENT', 'PAID']);
  });

  it('gives up after the schedule with the order still pending', async () => {
    const confirm = vi.fn(() => Promise.resolve(order('PENDING_PAYMENT')));
    const result = await confirmUntilSettled({ confirm, sleep: () => Promise.resolve() });
    expect(confirm).toHaveBeenCalledTimes(CONFIRM_DELAYS_MS.length);
    expect(result?.status).toBe('PENDING_PAYMENT');
  });

  it('takes a failed call as one try less, and ends with no order when nothing answered', async () => {
    const limited = clientError('RATE_LIMITED', null);
    const confirm = vi.fn().mockRejectedValueOnce(limited).mockResolvedValueOnce(order('PAID'));
    expect((await confirmUntilSettled({ confirm, sleep: () => Promise.resolve() }))?.status).toBe('PAID');

    const failing = vi.fn(() => Promise.reject(limited));
    const result = await confirmUntilSettled({ confirm: failing, sleep: () => Promise.resolve(), delays: [0, 1, 2] });
    expect(failing).toHaveBeenCalledTimes(3);
    expect(result).toBeNull();
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

describe('the refund’s schedule', () => {
  it('is the payment’s, stopping at the first answer that is no longer 退款中', async () => {
    const answers = [order('REFUNDING'), order('REFUNDING'), order('REFUNDED')];
    const confirm = vi.fn(() => Promise.resolve(answers.shift()!));
    const sleep = vi.fn(() => Promise.resolve());
    const result = await confirmUntilSettled({ confirm, sleep, settled: refundSettled });
    expect(result?.status).toBe('REFUNDED');
    expect(confirm).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls).toEqual([[1_000], [2_000]]);
  });

  it('goes on through the whole schedule while WeChat Pay is not done', async () => {
    const confirm = vi.fn(() => Promise.resolve(order('REFUNDING')));
    const result = await confirmUntilSettled({ confirm, sleep: () => Promise.resolve(), settled: refundSettled });
    expect(confirm).toHaveBeenCalledTimes(CONFIRM_DELAYS_MS.length);
    expect(result?.status).toBe('REFUNDING');
  });

  it('right after 申请退款 waits a second first (WeChat Pay has not been asked for the refund yet), then keeps to the schedule', async () => {
    const at = await confirmTimes({ answer: order('REFUNDING'), settled: refundSettled, delays: REFUND_REQUESTED_DELAYS_MS });
    expect(at).toEqual([1_000, 3_000, 7_000, 15_000, 30_000]);
  });
});

describe('what the page says', () => {
  it('in Chinese, for each way a payment can end short of 已支付', () => {
    expect(paymentNoteText({ kind: 'idle' })).toBeNull();
    expect(paymentNoteText({ kind: 'starting' })).toBeNull();
    expect(paymentNoteText({ kind: 'cancelled' })).toMatch(/^已取消支付/);
    expect(paymentNoteText({ kind: 'disabled' })).toMatch(/^暂未开通在线支付/);
    expect(paymentNoteText({ kind: 'unsupported' })).toBe('网页版无法使用微信支付，请在微信中打开小程序');
    // A failure says what the state carries: the cashier's own line, or the error's.
    expect(paymentNoteText({ kind: 'failed', text: '支付未完成，请重试' })).toBe('支付未完成，请重试');
    expect(paymentNoteText({ kind: 'failed', text: '网络异常，请稍后重试' })).toBe('网络异常，请稍后重试');
  });

  it('in Chinese, for a refund: the whole amount, back the way it was paid; then where it stands', () => {
    expect(refundConfirmText({ totalFen: 3900 })).toBe('¥39.00 将全额原路退回你的支付账户，确定申请退款吗？');
    expect(refundNoteText(order('PAID'), { kind: 'idle' })).toBeNull();
    expect(refundNoteText(order('REFUNDING'), { kind: 'confirming' })).toBe('退款已提交，正在等待微信支付处理…');
    expect(refundNoteText(order('REFUNDING'), { kind: 'unconfirmed' })).toMatch(/^退款处理中/);
    expect(refundNoteText(order('REFUNDED'), { kind: 'idle' })).toBe('款项已原路退回');
  });
});
