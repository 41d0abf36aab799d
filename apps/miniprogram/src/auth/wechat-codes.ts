/**
 * Single-use codes from WeChat: the login code (wx.login) and the phone-number code
 * (<Button open-type="getPhoneNumber">). H5 has neither, so there the WeChat mock's dev endpoints
 * hand them out, for the test user this browser plays (platform/dev-wechat-user.ts); an H5 build
 * without the mock (production) has no way to get a code at all.
 * Failures come out coded (WECHAT_UNAVAILABLE, NETWORK_ERROR, WECHAT_CODE_INVALID,
 * H5_SIGN_IN_UNSUPPORTED) because the sign-in shows them as they are: that is why this lives in
 * auth/ and not in platform/.
 */
import Taro from '@tarojs/taro';
import { clientEnv, isH5 } from '../config';
import { clientError } from '../errors/app-error';
import { devWeChatUser } from '../platform/dev-wechat-user';

async function devCode(path: '/__dev/login-code' | '/__dev/phone-code', body: Record<string, string>): Promise<string> {
  // No mock configured: this H5 build has no WeChat to ask, which is not WeChat being unavailable.
  if (!clientEnv.wechatMockUrl) throw clientError('H5_SIGN_IN_UNSUPPORTED', null);
  try {
    const response = await Taro.request<{ code?: unknown }>({
      url: `${clientEnv.wechatMockUrl}${path}`,
      method: 'POST',
      data: body,
      header: { 'content-type': 'application/json' },
      timeout: 10_000,
    });
    if (response.statusCode === 200 && typeof response.data?.code === 'string') return response.data.code;
  } catch (error) {
    throw clientError('WECHAT_UNAVAILABLE', null, { cause: error });
  }
  throw clientError('WECHAT_UNAVAILABLE', null);
}

/** A fresh login code: wx.login on WeChat, the mock on H5. */
export async function getLoginCode(): Promise<string> {
  if (isH5) return devCode('/__dev/login-code', { user: devWeChatUser() });
  let code: string | undefined;
  try {
    ({ code } = await Taro.login({ timeout: 10_000 }));
  } catch (error) {
    throw clientError('NETWORK_ERROR', null, { cause: error });
  }
  if (!code) throw clientError('WECHAT_CODE_INVALID', null);
  return code;
}

/** H5 only: a phone-number code for the test user's number, as getPhoneNumber would give. */
export function devPhoneCode(): Promise<string> {
  return devCode('/__dev/phone-code', { phone: '13800138000' });
}
