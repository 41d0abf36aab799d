/**
 * Slow and broken clients, over raw sockets: the request, headers and keep-alive timeouts
 * (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS), and the answers Node itself
 * gives before Fastify sees a request (408, 431, 400), all with the coded error body.
 */
import { connect } from 'node:net';
import { errorCatalog } from '@app/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, configProblemsOf, testConfig } from './support/app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Short timeouts, so that the tests take a second or two. */
const SHORT = { REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '500', KEEP_ALIVE_TIMEOUT_MS: '3000' };

async function listen(variables: Record<string, string> = SHORT) {
  const built = await buildTestApp(variables, {
    extend: (instance) =>
      instance.get('/slow-handler', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { done: true };
      }),
  });
  app = built.app;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on TCP');
  return { port: address.port, logs: built.logs };
}

interface RawExchange {
  /** Everything the server sent, as text. */
  text: string;
  /** When the server closed the connection, in ms from the first write. */
  closedAfterMs: number;
}

/**
 * Opens a connection, writes `first`, then `then` every `everyMs` until the server closes the
 * connection (or `giveUpMs` passes: then the exchange fails).
 */
function exchange(port: number, first: string | Buffer, options: { then?: string; everyMs?: number; giveUpMs?: number } = {}) {
  return new Promise<RawExchange>((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const trickle = options.then
      ? setInterval(() => {
          if (socket.writable) socket.write(options.then!);
        }, options.everyMs ?? 100)
      : undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${options.giveUpMs ?? 5_000} ms; got ${JSON.stringify(text)}`));
    }, options.giveUpMs ?? 5_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    // The server may reset a connection it closes while the client still writes: that is closed too.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(trickle);
      clearTimeout(giveUp);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.write(first);
  });
}

interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: { appCode: string; message: string; requestId: string; issues: unknown } };
}

function parseResponse(text: string): ParsedResponse {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  expect(Buffer.byteLength(body)).toBe(Number(headers['content-length']));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as ParsedResponse['body'] };
}

/** The coded envelope of plugins/error-handling.ts, with its request id in the header too. */
function expectCodedAnswer(response: ParsedResponse, status: number, appCode: keyof typeof errorCatalog) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers.connection).toBe('close');
  expect(response.body).toEqual({
    error: { appCode, message: errorCatalog[appCode].message, requestId: response.headers['x-request-id'], issues: null },
  });
}

describe('timeout configuration', () => {
  it('defaults to a 60 s request, 10 s headers and 72 s keep-alive timeout, applied to the server', async () => {
    const config = testConfig();
    expect(config).toMatchObject({ requestTimeoutMs: 60_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000 });
    ({ app } = await buildTestApp());
    expect(app.server).toMatchObject({ requestTimeout: 60_000, headersTimeout: 10_000, keepAliveTimeout: 72_000 });
  });

  it('takes them from the environment', async () => {
    ({ app } = await buildTestApp({ REQUEST_TIMEOUT_MS: '20000', HEADERS_TIMEOUT_MS: '5000', KEEP_ALIVE_TIMEOUT_MS: '65000' }));
    expect(app.server).toMatchObject({ requestTimeout: 20_000, headersTimeout: 5_000, keepAliveTimeout: 65_000 });
  });

  it('refuses a headers timeout longer than the request timeout, and timeouts that are not positive', () => {
    const problemsOf = (env: Record<string, string>) => configProblemsOf(env).map((problem) => problem.variable);
    expect(problemsOf({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '10000' })).toEqual(['HEADERS_TIMEOUT_MS']);
    expect(problemsOf({ REQUEST_TIMEOUT_MS: '0', HEADERS_TIMEOUT_MS: 'soon', KEEP_ALIVE_TIMEOUT_MS: '-1' }).sort()).toEqual([
      'HEADERS_TIMEOUT_MS',
      'KEEP_ALIVE_TIMEOUT_MS',
      'REQUEST_TIMEOUT_MS',
    ]);
  });
});

describe('slow clients', () => {
  it('answers a body trickled slower than REQUEST_TIMEOUT_MS with a coded 408 and closes the connection', async () => {
    const { port, logs } = await listen();
    const head = [
      'POST /trpc/user.updateProfile HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      'Content-Length: 100',
      'X-Request-Id: trickled-body-0001',
      '',
      '',
    ].join('\r\n');
    const { text, closedAfterMs } = await exchange(port, head, { then: ' ', everyMs: 200 });

    const response = parseResponse(text);
    expectCodedAnswer(response, 408, 'REQUEST_TIMEOUT');
    // The request got as far as Fastify: the answer carries its id (here, the client's).
    expect(response.body.error.requestId).toBe('trickled-body-0001');
    // Node checks the timeouts every tenth of the shorter one (100 ms here).
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(2_000);
    expect(logs.lines.find((line) => line.msg === 'client error')).toMatchObject({
      reqId: 'trickled-body-0001',
      status: 408,
      clientError: 'ERR_HTTP_REQUEST_TIMEOUT',
    });
  });

  it('cuts off a client that never finishes its headers after HEADERS_TIMEOUT_MS', async () => {
    const { port } = await listen();
    const { text, closedAfterMs } = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', {
      then: 'X-Slow: 1\r\n',
      everyMs: 100,
    });

    const response = parseResponse(text);
    expectCodedAnswer(response, 408, 'REQUEST_TIMEOUT');
    expect(response.body.error.requestId).toMatch(UUID);
    expect(closedAfterMs).toBeGreaterThanOrEqual(400);
    expect(closedAfterMs).toBeLessThan(1_500);
  });

  it('cuts off a connection that sends nothing at all after HEADERS_TIMEOUT_MS', async () => {
    const { port } = await listen();
    const { text, closedAfterMs } = await exchange(port, '');
    expectCodedAnswer(parseResponse(text), 408, 'REQUEST_TIMEOUT');
    expect(closedAfterMs).toBeLessThan(1_500);
  });

  it('does not time out a handler slower than REQUEST_TIMEOUT_MS, nor an idle keep-alive connection', async () => {
    const { port } = await listen();
    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    let text = '';
    socket.on('data', (chunk: string) => (text += chunk));
    const answers = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if ((text.match(/HTTP\/1\.1 200 OK/g) ?? []).length >= count) {
            socket.off('data', check);
            resolve();
          }
        };
        socket.on('data', check);
      });

    socket.write(get('/slow-handler')); // 1.5 s, the request timeout is 1 s
    await answers(1);
    // Idle longer than the headers timeout (0.5 s), within the keep-alive timeout (3 s).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    socket.write(get('/healthz'));
    await answers(2);
    expect(text).toContain('{"done":true}');
    expect(text).toMatch(/keep-alive: timeout=3/i);
    socket.destroy();
  });
});

describe("Node's own refusals", () => {
  it('answers headers over 16 KiB with a coded 431', async () => {
    const { port } = await listen();
    const { text } = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    const response = parseResponse(text);
    expectCodedAnswer(response, 431, 'MALFORMED_REQUEST');
    expect(response.body.error.requestId).toMatch(UUID);
  });

  it.each([
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n'],
    ['a bad chunk size', 'POST /trpc/health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ])('answers %s with a coded 400', async (_name, request) => {
    const { port } = await listen();
    const response = parseResponse((await exchange(port, request)).text);
    expectCodedAnswer(response, 400, 'MALFORMED_REQUEST');
  });

  it('keeps serving other connections', async () => {
    const { port } = await listen();
    await exchange(port, 'GARBAGE\r\n\r\n');
    const { text } = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
  });
});
