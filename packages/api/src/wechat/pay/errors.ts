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

// No usable answer (no connection, a timeout, a body that is not its JSON) is the WeChat client's
// WeChatTransportError (../errors.ts), made by the same transportErrorOf.
export { WeChatTransportError } from '../errors';
