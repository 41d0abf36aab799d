/** WeChat Pay answered with an error (a 4xx/5xx and its `{ code, message }`). */
export class WeChatPayApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`WeChat Pay ${endpoint} failed: ${status} ${code} ${detail}`);
    this.name = 'WeChatPayApiError';
  }
}

/** No usable answer from WeChat Pay: no connection, a timeout, or a body that is not its JSON. */
export class WeChatPayTransportError extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: 'connect' | 'network' | 'timeout' | 'http',
    readonly detail?: string,
  ) {
    super(`WeChat Pay ${endpoint} unreachable (${reason})`);
    this.name = 'WeChatPayTransportError';
  }
}
