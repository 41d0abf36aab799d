import type { AppErrorCode } from '@app/shared';

/** WeChat answered with a non-zero errcode. */
export class WeChatApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeChat ${endpoint} failed: ${errcode} ${errmsg}`);
    this.name = 'WeChatApiError';
  }
}

/** No usable answer: network error, timeout, or an HTTP error status. */
export class WeChatTransportError extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: 'network' | 'timeout' | 'http',
    cause?: unknown,
  ) {
    super(`WeChat ${endpoint} unreachable (${reason})`, { cause });
    this.name = 'WeChatTransportError';
  }
}

export const WECHAT_BUSY_ERRCODE = -1;
export const WECHAT_INVALID_CREDENTIAL_ERRCODES = new Set([40001, 42001]);

/** Worth another try: WeChat said "busy", or the call never got an answer. */
export function isTransientWeChatFailure(error: unknown): boolean {
  return error instanceof WeChatTransportError || (error instanceof WeChatApiError && error.errcode === WECHAT_BUSY_ERRCODE);
}

/** Application codes for the errcodes of code2Session (and the shared ones of other endpoints). */
export function appCodeForLoginError(errcode: number): AppErrorCode {
  switch (errcode) {
    case -1:
      return 'WECHAT_BUSY';
    case 40029:
      return 'WECHAT_CODE_INVALID';
    case 40163:
      return 'WECHAT_CODE_USED';
    case 45011:
      return 'WECHAT_RATE_LIMITED';
    case 40226:
      return 'WECHAT_USER_BLOCKED';
    default:
      // 40013 invalid appid, 40125 invalid secret, ...: our configuration, not the user's fault.
      return 'INTERNAL_ERROR';
  }
}

export function appCodeForPhoneError(errcode: number): AppErrorCode {
  if (errcode === 40029) return 'WECHAT_PHONE_CODE_INVALID';
  return appCodeForLoginError(errcode);
}
