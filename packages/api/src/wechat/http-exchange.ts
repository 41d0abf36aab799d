/**
 * One HTTP exchange with WeChat's servers (the API's and WeChat Pay's clients): the request, and the
 * whole answer as text, over node:http(s) with connections kept alive between exchanges.
 *
 * Not fetch: Node's fetch builds a WHATWG Request, Headers, an AbortSignal and a body stream for
 * every exchange, and in a storm of sign-ins (one exchange each) that was the largest single item
 * of a sign-in's CPU (23 % in a profile under load). Measured on this project's machine, client
 * CPU per exchange on loopback: fetch 270–430 µs, this 170–235 µs. (undici's own `request` is
 * cheaper still, ~90 µs, but loading the npm package takes ~90 ms, which every cold start would pay.)
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  /** A 2xx status. */
  ok: boolean;
  /** Node's headers object: lower-case names. */
  headers: IncomingHttpHeaders;
  body: string;
}

interface HttpExchange {
  method: 'GET' | 'POST';
  headers: OutgoingHttpHeaders;
  body?: string;
  /** Covers everything: connecting, sending, the answer's headers and its body. */
  timeoutMs: number;
}

/**
 * How long a connection may sit idle before it is closed, as undici (fetch) does: a connection the
 * server has already dropped would fail the next request on it (ECONNRESET, a "network" failure,
 * which a sign-in does not retry). Node's agents take the server's Keep-Alive hint (less a second)
 * only when it is shorter than this; without a value they keep idle connections for ever.
 */
const IDLE_CONNECTION_MS = 4_000;

// Shared by every client of the process.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
};

/** Sent with every exchange: who calls, and that the answer must not be compressed (nothing here decompresses). */
const BASE_HEADERS = { 'user-agent': 'wechat-miniprogram-foundation (node)', 'accept-encoding': 'identity' };

/** An error named as errors.ts (transportErrorOf) tells them apart: TimeoutError, ContentEncodingError. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Sends the request and reads the answer, whatever its status. Rejects with Node's error of the
 * connection or the socket (a system error: `code`, `syscall`; an AggregateError when every
 * address was tried), a TimeoutError, or a ContentEncodingError for a compressed answer.
 */
export function exchange(url: URL, { method, headers, body, timeoutMs }: HttpExchange): Promise<HttpAnswer> {
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:') return Promise.reject(new TypeError(`not an http(s) URL: ${url.protocol}`));
  return new Promise<HttpAnswer>((resolve, reject) => {
    const send = isHttps ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method,
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers:
          body === undefined ? { ...BASE_HEADERS, ...headers } : { ...BASE_HEADERS, ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const encoding = response.headers['content-encoding'];
        if (encoding !== undefined && encoding !== 'identity') {
          clearTimeout(timer);
          reject(namedError('ContentEncodingError', `the answer is compressed (${encoding}) though none was accepted`));
          request.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          const status = response.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status <= 299, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        // The connection broke during the body: the request reached the server.
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    // Rejects first, then ends the exchange: whatever the socket says while it closes comes too late.
    const timer = setTimeout(() => {
      const error = namedError('TimeoutError', `no complete answer within ${timeoutMs} ms`);
      reject(error);
      request.destroy(error);
    }, timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
