/**
 * The one catalog of application error codes. The server attaches a code to every error it
 * returns (`error.data.appCode`); the mini-program looks the code up here to show the message.
 * Codes are stable API: rename one and every client in the field shows the fallback message.
 */
export interface ErrorDefinition {
  /** HTTP status the server answers with. */
  readonly status: number;
  /** Message shown to end users (zh-CN). */
  readonly message: string;
}

export const errorCatalog = {
  // Request shape
  VALIDATION_FAILED: { status: 400, message: '提交的内容不符合要求，请检查后重试' },
  MALFORMED_REQUEST: { status: 400, message: '请求格式错误' },
  NOT_FOUND: { status: 404, message: '请求的内容不存在' },
  METHOD_NOT_ALLOWED: { status: 405, message: '不支持的请求方式' },
  PAYLOAD_TOO_LARGE: { status: 413, message: '提交的内容过大' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: '不支持的内容类型' },

  // Authentication and authorisation
  AUTH_REQUIRED: { status: 401, message: '请先登录' },
  // Access token checks, one code per failure. AUTH_TOKEN_EXPIRED is the one clients answer
  // with a refresh; every other one means "sign in again".
  AUTH_TOKEN_MALFORMED: { status: 401, message: '登录凭证无效，请重新登录' },
  AUTH_TOKEN_SIGNATURE_INVALID: { status: 401, message: '登录凭证无效，请重新登录' },
  AUTH_TOKEN_ALGORITHM_INVALID: { status: 401, message: '登录凭证无效，请重新登录' },
  AUTH_TOKEN_CLAIMS_INVALID: { status: 401, message: '登录凭证无效，请重新登录' },
  AUTH_TOKEN_EXPIRED: { status: 401, message: '登录已过期' },
  AUTH_SESSION_REVOKED: { status: 401, message: '登录已失效，请重新登录' },
  // Refresh tokens: unknown or expired, or presented again after rotation (possible theft:
  // the whole session is revoked).
  AUTH_REFRESH_INVALID: { status: 401, message: '登录已失效，请重新登录' },
  AUTH_REFRESH_REUSED: { status: 401, message: '登录状态异常，请重新登录' },
  FORBIDDEN: { status: 403, message: '没有权限执行此操作' },

  // Abuse control
  RATE_LIMITED: { status: 429, message: '操作太频繁，请稍后再试' },

  // WeChat
  WECHAT_CODE_INVALID: { status: 400, message: '微信登录凭证无效，请重试' },
  WECHAT_CODE_USED: { status: 400, message: '微信登录凭证已被使用，请重试' },
  WECHAT_RATE_LIMITED: { status: 429, message: '微信登录太频繁，请稍后再试' },
  WECHAT_USER_BLOCKED: { status: 403, message: '该微信账号暂时无法登录' },
  WECHAT_BUSY: { status: 503, message: '微信服务繁忙，请稍后再试' },
  WECHAT_UNAVAILABLE: { status: 503, message: '暂时无法连接微信服务，请稍后再试' },
  // WeChat did not answer the exchange of a single-use code (login or phone) in time. It may have
  // used the code up, so a retry must start from a new one (wx.login, or getPhoneNumber again).
  WECHAT_TIMEOUT: { status: 503, message: '微信响应超时，请重试' },
  WECHAT_PHONE_CODE_INVALID: { status: 400, message: '手机号授权已失效，请重新授权' },

  // Uploads
  UPLOAD_FILE_MISSING: { status: 400, message: '没有收到文件，请重新选择' },
  UPLOAD_TYPE_NOT_ALLOWED: { status: 415, message: '只支持 JPG、PNG 或 WebP 格式的图片' },
  UPLOAD_TOO_LARGE: { status: 413, message: '图片太大，请换一张小一些的图片' },

  // The shop. OUT_OF_STOCK names the product in its issues (path items.<i>.quantity).
  PRODUCT_NOT_FOUND: { status: 404, message: '商品不存在' },
  PRODUCT_OFF_SHELF: { status: 409, message: '商品已下架' },
  OUT_OF_STOCK: { status: 409, message: '商品库存不足' },
  // The same idempotency key again with a different order: a client bug, or a key reused by hand.
  IDEMPOTENCY_KEY_REUSED: { status: 409, message: '下单请求重复，请返回重新下单' },
  // Also another user's order: its existence is not disclosed.
  ORDER_NOT_FOUND: { status: 404, message: '订单不存在' },
  ORDER_STATE_CONFLICT: { status: 409, message: '订单状态已变化，请刷新后重试' },

  // WeChat Pay. PAYMENT_DISABLED: the server has no merchant configured (WECHATPAY_* unset).
  // PAYMENT_UNAVAILABLE: WeChat Pay did not answer (retry); PAYMENT_FAILED: it refused the
  // request, which is the merchant's configuration, not the user's doing.
  PAYMENT_DISABLED: { status: 503, message: '暂未开通在线支付' },
  PAYMENT_UNAVAILABLE: { status: 503, message: '暂时无法连接微信支付，请稍后再试' },
  PAYMENT_FAILED: { status: 500, message: '发起支付失败，请稍后再试' },

  // Server side
  SERVICE_UNAVAILABLE: { status: 503, message: '服务暂时不可用，请稍后再试' },
  INTERNAL_ERROR: { status: 500, message: '服务器开小差了，请稍后再试' },

  // Raised by the client's transport. REQUEST_TIMEOUT is also the code of the server's 408, sent
  // to a client that took longer than REQUEST_TIMEOUT_MS to send its request.
  NETWORK_ERROR: { status: 0, message: '网络连接失败，请检查网络后重试' },
  REQUEST_TIMEOUT: { status: 0, message: '请求超时，请稍后重试' },
  REQUEST_CANCELLED: { status: 0, message: '请求已取消' },
  // A web (H5) build has no wx.login: only development and test builds get login codes, from the
  // WeChat mock. A production H5 build cannot sign in at all, which no retry changes.
  H5_SIGN_IN_UNSUPPORTED: { status: 0, message: '网页版无法使用微信登录，请在微信中打开小程序' },
} as const satisfies Record<string, ErrorDefinition>;

export type AppErrorCode = keyof typeof errorCatalog;

export const appErrorCodes = Object.keys(errorCatalog) as AppErrorCode[];

export function isAppErrorCode(value: unknown): value is AppErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(errorCatalog, value);
}

/** The zh-CN message for a code; unknown codes (e.g. from a newer server) get the generic one. */
export function errorMessageFor(code: unknown): string {
  return isAppErrorCode(code) ? errorCatalog[code].message : errorCatalog.INTERNAL_ERROR.message;
}

/**
 * The code of an HTTP error that carries none (a framework refusal, a gateway's page), by status;
 * undefined for a status the catalog has no code for.
 */
const appCodeByHttpStatus: Partial<Record<number, AppErrorCode>> = {
  400: 'MALFORMED_REQUEST',
  401: 'AUTH_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  502: 'SERVICE_UNAVAILABLE',
  503: 'SERVICE_UNAVAILABLE',
  504: 'SERVICE_UNAVAILABLE',
};

export function appCodeForHttpStatus(status: number): AppErrorCode | undefined {
  return appCodeByHttpStatus[status];
}

/** One field-level problem, as the server reports validation failures. */
export interface ErrorIssue {
  /** Dotted path into the input, '' for the input as a whole. */
  readonly path: string;
  readonly message: string;
}

/** What the server puts in `error.data` of every tRPC error, and in plain HTTP error bodies. */
export interface AppErrorData {
  readonly appCode: AppErrorCode;
  readonly requestId: string | null;
  readonly issues: readonly ErrorIssue[] | null;
  readonly retryAfterSeconds?: number;
}
