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

/**
 * No usable answer. `connect`: the connection failed before the request went out (refused, DNS),
 * so WeChat never saw it; `network`: the connection broke when the request may already have
 * reached WeChat; `timeout`: no answer in time (WeChat may still be working on it); `http`: an
 * HTTP error status or a body that is not WeChat's JSON; `unsent`: the operation's budget was
 * spent (waiting for the access token) before the request could be sent.
 */
export class WeChatTransportError extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: 'connect' | 'network' | 'timeout' | 'http' | 'unsent',
    /** The underlying error's name and code (ECONNREFUSED, ECONNRESET, ...), for the logs. */
    readonly detail?: string,
  ) {
    super(`WeChat ${endpoint} unreachable (${reason})`);
    this.name = 'WeChatTransportError';
  }
}

/**
 * Failures of the connection itself, before a byte of the request was sent: the only network
 * failures after which a request carrying a single-use code may be sent again. Any failure of the
 * `connect` call, and of the name lookup before it; the same codes raised by a read or a write
 * (a reused connection) may come after WeChat read the request, as may a reset (ECONNRESET, EPIPE).
 */
const LOOKUP_FAILURE_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']);
/** undici's: no connection within its connect timeout (10 s), so nothing was sent. */
const CONNECT_TIMEOUT_CODE = 'UND_ERR_CONNECT_TIMEOUT';

interface SystemErrorLike {
  code?: unknown;
  syscall?: unknown;
  errors?: unknown;
}

function neverSent(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, syscall, errors } = error as SystemErrorLike;
  // Several addresses tried in turn (happy eyeballs): an AggregateError of the attempts.
  if (Array.isArray(errors) && errors.length > 0) return errors.every(neverSent);
  if (syscall === 'connect' || syscall === 'getaddrinfo') return true;
  return typeof code === 'string' && (LOOKUP_FAILURE_CODES.has(code) || code === CONNECT_TIMEOUT_CODE);
}

/**
 * A failed exchange (http-exchange.ts) as a transport error: `timeout`, `connect` (provably never
 * sent) or `network`. Node's error of the connection or socket carries the code (ECONNREFUSED,
 * ECONNRESET...) and the syscall; a failed happy-eyeballs connect is an AggregateError of its
 * attempts.
 */
export function transportErrorOf(endpoint: string, error: unknown): WeChatTransportError {
  if (error instanceof Error && error.name === 'TimeoutError') return new WeChatTransportError(endpoint, 'timeout', error.name);
  if (error instanceof Error && error.name === 'ContentEncodingError') return new WeChatTransportError(endpoint, 'http', error.message);
  const code = (error as SystemErrorLike | undefined)?.code;
  const detail = [error instanceof Error ? error.name : 'unknown', typeof code === 'string' ? code : null].filter(Boolean).join(' ');
  return new WeChatTransportError(endpoint, neverSent(error) ? 'connect' : 'network', detail);
}

export const WECHAT_BUSY_ERRCODE = -1;
export const WECHAT_CODE_USED_ERRCODE = 40163;
export const WECHAT_INVALID_CREDENTIAL_ERRCODES = new Set([40001, 42001]);

/** Worth another try for a request that may safely be sent twice: WeChat said "busy", or no answer. */
export function isTransientWeChatFailure(error: unknown): error is WeChatTransportError | WeChatApiError {
  return error instanceof WeChatTransportError || (error instanceof WeChatApiError && error.errcode === WECHAT_BUSY_ERRCODE);
}

/**
 * Worth another try for a request carrying a single-use code (jscode2session, getuserphonenumber):
 * only when WeChat did not take the code. That is a connection that never carried the request, or
 * WeChat's answer "-1 system busy", whose documented remedy is to try again (the mock, like
 * WeChat, answers it without looking at the code). A timeout is not: WeChat may have exchanged
 * the code and the answer was lost, and sending it again earns 40163 "code been used".
 */
export function isRetryableSingleUseFailure(error: unknown): error is WeChatTransportError | WeChatApiError {
  return (
    (error instanceof WeChatTransportError && error.reason === 'connect') ||
    (error instanceof WeChatApiError && error.errcode === WECHAT_BUSY_ERRCODE)
  );
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
