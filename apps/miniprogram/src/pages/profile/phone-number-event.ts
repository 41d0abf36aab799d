/**
 * What WeChat's getPhoneNumber event says (the button with open-type="getPhoneNumber"): a
 * single-use code for the server to exchange, the user's "no", which needs no message, or a
 * failure the user should hear of (the mini-program lacks the permission, the user has not agreed
 * to the privacy guide). A failure used to read as a "no": the button then did nothing, silently.
 */
export type PhoneNumberEvent = { kind: 'code'; code: string } | { kind: 'declined' } | { kind: 'failed'; message: string };

export function readPhoneNumberEvent(detail: { code?: string; errMsg?: string }): PhoneNumberEvent {
  if (detail.code) return { kind: 'code', code: detail.code };
  const errMsg = detail.errMsg ?? '';
  // "getPhoneNumber:fail user deny", "getPhoneNumber:fail:user deny", "…:fail:cancel to confirm login"
  if (/deny|cancel/i.test(errMsg)) return { kind: 'declined' };
  if (/privacy/i.test(errMsg)) return { kind: 'failed', message: '请先同意隐私保护指引，再绑定手机号' };
  if (/no permission/i.test(errMsg)) return { kind: 'failed', message: '当前小程序暂不支持获取手机号' };
  return { kind: 'failed', message: '获取手机号失败，请稍后重试' };
}
