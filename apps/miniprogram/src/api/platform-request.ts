/**
 * The slice of `Taro.request` the transport uses, so the transport runs anywhere: in the app with
 * Taro.request itself, in tests with a Taro.request-compatible function over Node's HTTP stack.
 * `Taro.request` resolves on 4xx/5xx too: callers look at the status.
 */
export interface PlatformRequestOptions {
  url: string;
  method: 'GET' | 'POST';
  header: Record<string, string>;
  data?: string;
  /** Not 'json': the body comes back as text, so a gateway's HTML page cannot break parsing. */
  dataType: 'text';
  responseType: 'text';
  timeout: number;
}

export interface PlatformResponse {
  statusCode: number;
  data: unknown;
  header?: Record<string, unknown>;
}

export type PlatformRequestTask = Promise<PlatformResponse> & { abort?: () => void };

export type PlatformRequest = (options: PlatformRequestOptions) => PlatformRequestTask;

/** WeChat reports its own timeout as a failure whose errMsg says so. */
export function isPlatformTimeout(error: unknown): boolean {
  const message = (error as { errMsg?: unknown; message?: unknown } | null)?.errMsg ?? (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /timeout/i.test(message);
}
