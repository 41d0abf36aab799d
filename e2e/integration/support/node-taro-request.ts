/**
 * `Taro.request` for tests, over Node's HTTP stack, with WeChat's behaviour where it matters:
 * it resolves on any status (4xx/5xx too), a body that is not JSON stays text with dataType
 * 'text', `abort()` ends the request with "request:fail abort", and an 11th concurrent request
 * fails at once ("exceed max task count"), as it does on the phone. It also records what went out.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type {
  PlatformRequest,
  PlatformRequestOptions,
  PlatformRequestTask,
  PlatformResponse,
  PlatformUpload,
  PlatformUploadOptions,
} from '@app/miniprogram/src/platform/network';

export interface SentRequest {
  method: string;
  url: string;
  /** Procedure paths of a tRPC request (`user.me,health`), else ''. */
  procedures: string;
  headers: Record<string, string>;
  outcome: 'pending' | 'answered' | 'aborted' | 'failed';
}

export interface NodeTaroPlatform {
  request: PlatformRequest;
  upload: PlatformUpload;
  sent: SentRequest[];
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The next `count` requests fail as a dropped network does. */
  failNext(count: number): void;
  reset(): void;
}

const WECHAT_MAX_TASKS = 10;

function proceduresOf(url: string): string {
  const path = new URL(url).pathname;
  return path.startsWith('/trpc/') ? decodeURIComponent(path.slice('/trpc/'.length)) : '';
}

export function createNodeTaroPlatform(): NodeTaroPlatform {
  let inFlight = 0;
  let maxInFlight = 0;
  let failures = 0;
  const sent: SentRequest[] = [];

  /**
   * How WeChat's request API fails: a `{ errMsg }` object, not an Error (the transport must cope
   * with exactly that), so the stand-in rejects with one.
   */
  function wechatFailure(errMsg: string): Promise<never> {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- WeChat rejects with { errMsg } objects, not Errors
    return Promise.reject({ errMsg });
  }

  function start(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeout: number,
  ): PlatformRequestTask {
    const record: SentRequest = { method, url, procedures: proceduresOf(url), headers, outcome: 'pending' };
    sent.push(record);
    if (inFlight >= WECHAT_MAX_TASKS) {
      record.outcome = 'failed';
      return wechatFailure('request:fail exceed max task count');
    }
    if (failures > 0) {
      failures -= 1;
      record.outcome = 'failed';
      return wechatFailure('request:fail errcode:-101 cronet_error_code:-101 error_msg:net::ERR_CONNECTION_RESET');
    }
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let abort: () => void = () => undefined;
    const done = () => (inFlight -= 1);
    const task = new Promise<PlatformResponse>((resolve, reject) => {
      const req = httpRequest(url, { method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers, timeout });
      let settled = false;
      const fail = (errMsg: string, outcome: SentRequest['outcome']) => {
        if (settled) return;
        settled = true;
        record.outcome = outcome;
        done();
        wechatFailure(errMsg).catch(reject);
      };
      abort = () => {
        fail('request:fail abort', 'aborted');
        req.destroy();
      };
      req.on('timeout', () => {
        fail('request:fail timeout', 'failed');
        req.destroy();
      });
      req.on('error', (error) => fail(`request:fail ${error.message}`, 'failed'));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => fail(`request:fail ${error.message}`, 'failed'));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          record.outcome = 'answered';
          done();
          resolve({ statusCode: res.statusCode ?? 0, data: Buffer.concat(chunks).toString('utf8'), header: flatHeaders(res.headers) });
        });
      });
      req.end(body);
    });
    return Object.assign(task, { abort: () => abort() });
  }

  const request: PlatformRequest = (options: PlatformRequestOptions) =>
    start(options.method, options.url, options.header, options.data === undefined ? undefined : Buffer.from(options.data), options.timeout);

  const upload: PlatformUpload = async (options: PlatformUploadOptions) => {
    // The test's "file path" is the file's bytes in base64 after `bytes:` (there is no file system of the phone).
    const bytes = Buffer.from(options.filePath.replace(/^bytes:/, ''), 'base64');
    const boundary = `----taro${Date.now().toString(16)}`;
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${options.name}"; filename="tmp.jpg"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const response = await start(
      'POST',
      options.url,
      { ...options.header, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      options.timeout,
    );
    return { statusCode: response.statusCode, data: response.data };
  };

  return {
    request,
    upload,
    sent,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    failNext(count) {
      failures = count;
    },
    reset() {
      sent.length = 0;
      maxInFlight = inFlight;
      failures = 0;
    },
  };
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}
