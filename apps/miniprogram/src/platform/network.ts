/**
 * The slices of `Taro.request` and `Taro.uploadFile` the API client uses, so the client runs
 * anywhere: in the app with Taro's own functions, in tests with compatible functions over Node's
 * HTTP stack. And how to read what they give back: both resolve on 4xx/5xx too (callers look at
 * the status), and WeChat reports its own timeout only in an error message.
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

export interface PlatformUploadOptions {
  url: string;
  filePath: string;
  name: string;
  header: Record<string, string>;
  timeout: number;
}

/** The slice of `Taro.uploadFile` used for uploads (multipart; its body comes back as text). */
export type PlatformUpload = (options: PlatformUploadOptions) => Promise<{ statusCode: number; data: unknown }>;

/** A response body as JSON; undefined when it is not JSON (a gateway's HTML page, say). */
export function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data; // a platform that parsed JSON anyway
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** WeChat reports its own timeout as a failure whose errMsg says so. */
export function isPlatformTimeout(error: unknown): boolean {
  const message = (error as { errMsg?: unknown; message?: unknown } | null)?.errMsg ?? (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /timeout/i.test(message);
}
