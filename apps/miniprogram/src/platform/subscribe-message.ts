/**
 * WeChat's 订阅消息 permission (wx.requestSubscribeMessage): the user allows the app to send one
 * message of a template, which the server spends later (the paid message, after a payment).
 * WeChat shows its dialog only in answer to a tap, so call this in the tap's handler before any
 * await. H5 has no such dialog: the builds beside the WeChat mock (development, e2e) stand in for
 * it the way they stand in for wx.login, with the mock's dev endpoint (`POST /__dev/subscribe`,
 * the test user accepting one message); a production H5 build has nothing to ask.
 * It never rejects: a refusal, a failure or a platform without it is an outcome, and whoever asks
 * goes on regardless (a message is a courtesy, never a condition).
 */
import Taro from '@tarojs/taro';
import { clientEnv, isH5 } from '../config';
import { devWeChatUser } from './dev-wechat-user';

/** How the request ended: `accepted` means one message of the template may be sent. */
export type SubscribeOutcome = 'accepted' | 'refused' | 'unsupported' | 'failed';

/** The mock answers at once; a slow one must not hold up what comes next for long. */
const DEV_SUBSCRIBE_TIMEOUT_MS = 3_000;

async function subscribeThroughMock(mockUrl: string, templateId: string): Promise<SubscribeOutcome> {
  try {
    const response = await Taro.request<{ ok?: boolean }>({
      url: `${mockUrl}/__dev/subscribe`,
      method: 'POST',
      data: { user: devWeChatUser(), templateId },
      header: { 'content-type': 'application/json' },
      timeout: DEV_SUBSCRIBE_TIMEOUT_MS,
    });
    return response.statusCode === 200 && response.data?.ok === true ? 'accepted' : 'failed';
  } catch {
    return 'failed';
  }
}

/** Asks the user to accept one message of `templateId`; resolves with how it ended (never rejects). */
export function requestSubscribeMessage(templateId: string): Promise<SubscribeOutcome> {
  if (isH5) {
    const mockUrl = clientEnv.wechatMockUrl;
    return mockUrl ? subscribeThroughMock(mockUrl, templateId) : Promise.resolve('unsupported');
  }
  // Older clients, and other mini-program platforms, may lack it.
  if (typeof Taro.requestSubscribeMessage !== 'function') return Promise.resolve('unsupported');
  try {
    // Called synchronously (no await before it), so WeChat still sees the user's tap.
    const asked = Taro.requestSubscribeMessage({ tmplIds: [templateId] } as Taro.requestSubscribeMessage.Option);
    // `accept`, or `reject` / `ban` (the template blocked) / `filter` (the title filtered out).
    return Promise.resolve(asked).then<SubscribeOutcome, SubscribeOutcome>(
      (result) => ((result as Record<string, unknown>)[templateId] === 'accept' ? 'accepted' : 'refused'),
      () => 'failed',
    );
  } catch {
    return Promise.resolve('failed');
  }
}
