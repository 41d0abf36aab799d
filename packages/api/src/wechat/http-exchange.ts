/**
 * One HTTP exchange with WeChat's servers (the API's and WeChat Pay's clients): the request, and the
 * whole answer as text, over undici (Node's own HTTP client, the one under fetch) with connections
 * kept alive between exchanges.
 *
 * Not fetch: it builds a WHATWG Request, Headers, an AbortSignal and a body stream for every
 * exchange, and in a storm of sign-ins (one exchange each) that was the largest single item of a
 * sign-in's CPU (23 % in a profile under load). Not node:http's client either, which took a
 * sign-in ~6 % more CPU than undici's `request` (bench/ab.mjs, auth.login paired, 8 pairs: B/A
 * 0.936). undici is loaded on the first exchange: a start that serves no sign-in never reads it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Agent } from 'undici';

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
  headers: Record<string, string>;
  body?: string;
  /** Covers everything: connecting, sending, the answer's headers and its body. */
  timeoutMs: number;
}

/**
 * How long a connection may sit idle before it is closed: a connection the server has already
 * dropped would fail the next request on it (a "network" failure, which a sign-in does not retry).
 * A server's Keep-Alive hint is followed, less a second, when it is shorter.
 */
const IDLE_CONNECTION_MS = 4_000;
const KEEP_ALIVE_HINT_MARGIN_MS = 1_000;

// Shared by every client of the process, made on the first exchange (tried again on the next if
// loading undici failed: one failure must not fail every exchange until a restart).
let agent: Promise<Agent> | undefined;
function sharedAgent(): Promise<Agent> {
  agent ??= import('undici').then(
    ({ Agent }) =>
      new Agent({
        keepAliveTimeout: IDLE_CONNECTION_MS,
        keepAliveMaxTimeout: IDLE_CONNECTION_MS,
        keepAliveTimeoutThreshold: KEEP_ALIVE_HINT_MARGIN_MS,
      }),
    (error: unknown) => {
      agent = undefined;
      throw error;
    },
  );
  return agent;
}

/**
 * Rejects with the signal's reason when it aborts. undici heeds a request's signal only once its
 * connection is made (nodejs/undici#386): while a connection or a TLS handshake hangs, the request
 * would wait for undici's own connect timeout (10 s, UND_ERR_CONNECT_TIMEOUT). Raced against the
 * request, the deadline holds; undici drops the request unsent if the connection comes later.
 */
function whenAborted(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  // Raced once, while the answer's headers are awaited: an abort after that is the body's (undici
  // ends it with the reason), and this promise's rejection is nobody's.
  aborted.catch(() => undefined);
  return aborted;
}

/** Sent with every exchange: who calls, and that the answer must not be compressed (nothing here decompresses). */
const BASE_HEADERS = { 'user-agent': 'wechat-miniprogram-foundation (node)', 'accept-encoding': 'identity' };

/** An error named as errors.ts (transportErrorOf) tells them apart: TimeoutError, ContentEncodingError. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Sends the request and reads the answer, whatever its status. Rejects with the error of the
 * connection or the socket (a system error: `code`, `syscall`; an AggregateError when every
 * address was tried; undici's SocketError when the server closed it), a TimeoutError, or a
 * ContentEncodingError for a compressed answer.
 */
export async function exchange(url: URL, { method, headers, body, timeoutMs }: HttpExchange): Promise<HttpAnswer> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`not an http(s) URL: ${url.protocol}`);
  const dispatcher = await sharedAgent();
  // One deadline for everything: the connection, the request, the answer's headers and its body.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(namedError('TimeoutError', `no complete answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const answer = dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers: { ...BASE_HEADERS, ...headers },
      body,
      signal: deadline.signal,
    });
    // When the deadline wins, undici's own ending of the request comes later, to no one.
    answer.catch(() => undefined);
    const response = await Promise.race([answer, whenAborted(deadline.signal)]);
    const encoding = response.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      // Not read: destroyed (its abort error, which no one awaits, is let go).
      response.body.on('error', () => undefined).destroy();
      throw namedError('ContentEncodingError', `the answer is compressed (${String(encoding)}) though none was accepted`);
    }
    // The bytes as sent: body.text() would drop a leading byte order mark, and WeChat Pay signs the
    // answer's exact text.
    const bytes = await response.body.bytes();
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const status = response.statusCode;
    return { status, ok: status >= 200 && status <= 299, headers: response.headers, body: text };
  } finally {
    clearTimeout(timer);
  }
}
