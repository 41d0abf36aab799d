/**
 * WeChat Pay through the WeChat mock, for the suites that pay end to end: the mock with its own dev
 * merchant (keys it makes at start, as `npm run dev` uses it), the server's WECHATPAY_* variables
 * for that merchant, and the user paying.
 */
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import { payEnvironmentFor } from '@app/wechat-mock/pay-environment';
import { WECHATPAY_WEBHOOK_PATH } from '../../src/plugins/wechatpay-webhook';

/** The mock for this mini-program, with WeChat Pay's retry schedule compressed (15 s → 15 ms). */
export function startPayingWeChatMock(app: { appId: string; appSecret: string }): Promise<RunningWeChatMock> {
  return startWeChatMock({ ...app, pay: { notifyScheduleScale: 0.001 } });
}

/** The WECHATPAY_* variables for the mock's merchant; notifications go to the server on `port`. */
export function paymentVariables(mock: RunningWeChatMock, port: number): Promise<Record<string, string>> {
  return payEnvironmentFor(mock.url, `http://127.0.0.1:${port}${WECHATPAY_WEBHOOK_PATH}`);
}

/** The prepay id of pay.prepare's answer (its `package` is `prepay_id=…`). */
export const prepayIdOf = (params: { package: string }): string => params.package.slice('prepay_id='.length);

/** The user pays in WeChat: the mock marks the trade paid and sends its notification. */
export function userPays(mock: RunningWeChatMock, prepayId: string): void {
  const paid = mock.world.pay.pay({ prepayId });
  if (!paid.ok) throw new Error(`the mock refused the payment: ${paid.error}`);
}
