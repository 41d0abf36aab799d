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
  /** Node's headers object: lower-case names. */
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpExchange {
  method: 'GET' | 'POST';
  headers: OutgoingHttpHeaders;
  body?: string;
  /** Covers everything: connecting, sending, the answer's headers and its body. */
  timeoutMs: number;
}

// Shared by every client of the process; an idle connection is closed when the server's
// Keep-Alive hint says it will (Node's agents honour it), so a reused one is rarely stale.
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/** What a timed-out exchange rejects with: named as fetch's timeout is (errors.ts, transportErrorOf). */
function timeoutError(timeoutMs: number): Error {
  const error = new Error(`no complete answer within ${timeoutMs} ms`);
  error.name = 'TimeoutError';
  return error;
}

/**
 * Sends the request and reads the answer, whatever its status. Rejects with Node's error of the
 * connection or the socket (a system error: `code`, `syscall`; an AggregateError when every
 * address was tried), or with a TimeoutError.
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
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
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
      const error = timeoutError(timeoutMs);
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
