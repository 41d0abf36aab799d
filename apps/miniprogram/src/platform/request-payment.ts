/**
 * WeChat's cashier (wx.requestPayment), so that pages do not know which one they got. On WeChat
 * it is Taro.requestPayment with pay.prepare's parameters, unchanged. H5 has no cashier: the
 * builds that have the WeChat mock (development, e2e) show a stand-in dialog, and 确认支付 is a
 * POST to the mock's /__dev/pay with the prepay id, which is what the user paying in WeChat does
 * (the mock then sends WeChat Pay's notification to the server). A production H5 build has no
 * mock and cannot pay at all. Either way the outcome proves nothing: the server decides PAID.
 */
import type { RequestPaymentParams } from '@app/shared';
import Taro from '@tarojs/taro';
import { clientEnv, isH5 } from '../config';

/** How the cashier ended. `cancelled`: the user closed it, the order is still payable. */
export type PaymentOutcome =
  { ok: true } | { ok: false; reason: 'cancelled' | 'unsupported' } | { ok: false; reason: 'failed'; detail: string };

/** `prepay_id=wx2012…` → `wx2012…`; null for anything else. */
export function prepayIdOf(pkg: string): string | null {
  return /^prepay_id=([A-Za-z0-9_-]{1,128})$/.exec(pkg)?.[1] ?? null;
}

/**
 * Whether a requestPayment failure is the user closing the cashier: `requestPayment:fail cancel`
 * (some WeChat versions say `requestPayment:cancel`).
 */
export function isPaymentCancel(errMsg: unknown): boolean {
  return typeof errMsg === 'string' && /^requestPayment:(fail )?cancel\b/.test(errMsg);
}

/** Whether this build can pay at all: WeChat, or H5 beside the WeChat mock. */
export function canRequestPayment(): boolean {
  return !isH5 || Boolean(clientEnv.wechatMockUrl);
}

function errMsgOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { errMsg?: unknown }).errMsg === 'string') {
    return (error as { errMsg: string }).errMsg;
  }
  return error instanceof Error ? error.message : String(error);
}

/** H5 beside the mock: a stand-in for the cashier, then the mock's "the user paid". */
async function payThroughMock(mockUrl: string, params: RequestPaymentParams): Promise<PaymentOutcome> {
  const prepayId = prepayIdOf(params.package);
  if (!prepayId) return { ok: false, reason: 'failed', detail: `bad package: ${params.package}` };
  const { confirm } = await Taro.showModal({
    title: '模拟微信支付',
    content: '开发环境没有微信收银台，由微信模拟服务代为付款',
    confirmText: '确认支付',
    cancelText: '取消',
  });
  if (!confirm) return { ok: false, reason: 'cancelled' };
  try {
    const response = await Taro.request<{ ok?: boolean; error?: string }>({
      url: `${mockUrl}/__dev/pay`,
      method: 'POST',
      data: { prepayId },
      header: { 'content-type': 'application/json' },
      timeout: 10_000,
    });
    if (response.statusCode === 200 && response.data?.ok === true) return { ok: true };
    return { ok: false, reason: 'failed', detail: response.data?.error ?? `HTTP ${response.statusCode}` };
  } catch (error) {
    return { ok: false, reason: 'failed', detail: errMsgOf(error) };
  }
}

/** Opens the cashier with pay.prepare's parameters; resolves with how it ended (never rejects). */
export async function requestPayment(params: RequestPaymentParams): Promise<PaymentOutcome> {
  if (isH5) {
    const mockUrl = clientEnv.wechatMockUrl;
    return mockUrl ? payThroughMock(mockUrl, params) : { ok: false, reason: 'unsupported' };
  }
  try {
    await Taro.requestPayment(params);
    return { ok: true };
  } catch (error) {
    const errMsg = errMsgOf(error);
    return isPaymentCancel(errMsg) ? { ok: false, reason: 'cancelled' } : { ok: false, reason: 'failed', detail: errMsg };
  }
}
