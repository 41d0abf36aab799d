/**
 * The exchange the WeChat clients make, against real local servers that misbehave as a network
 * can: what it answers, how it fails, and which failures count as "never sent" (errors.ts).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { transportErrorOf } from '../../src/wechat/errors';
import { exchange } from '../../src/wechat/http-exchange';

const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; connections: () => number }> {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => (connections += 1));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const netServers: NetServer[] = [];
const openSockets: Socket[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const socket of openSockets.splice(0)) socket.destroy();
  for (const server of netServers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the exchange should have failed');
    },
    (error: unknown) => transportErrorOf('sns/jscode2session', error),
  );

describe('exchange', () => {
  it('sends the method, headers and body, answers status, headers and text, and keeps connections for the next', async () => {
    const seen: string[] = [];
    const server = await serve((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const { 'content-type': type, 'accept-encoding': encodings, 'user-agent': agent } = request.headers;
        seen.push(`${request.method} ${request.url} ${type} ${body} | ${encodings} | ${agent}`);
        response.writeHead(201, { 'wechatpay-nonce': 'abc', 'content-type': 'application/json' }).end('{"errcode":0,"名":"微信"}');
      });
    });
    const answer = await exchange(new URL(`${server.url}/sns/x?a=1`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"场景":1}',
      timeoutMs: 2000,
    });
    expect(answer).toMatchObject({ status: 201, body: '{"errcode":0,"名":"微信"}' });
    expect(answer.headers['wechatpay-nonce']).toBe('abc');
    for (let i = 0; i < 4; i += 1) await exchange(new URL(`${server.url}/sns/y`), { method: 'GET', headers: {}, timeoutMs: 2000 });
    const agent = 'wechat-miniprogram-foundation (node)';
    expect(seen).toEqual([
      `POST /sns/x?a=1 application/json {"场景":1} | identity | ${agent}`,
      ...Array<string>(4).fill(`GET /sns/y undefined  | identity | ${agent}`),
    ]);
    // Five exchanges, one after the other, over two connections at most: undici frees a connection a
    // moment after its answer ends, so an exchange sent at once after another may open a second.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it('fails as "connect" when nothing listens: the request never left', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const failure = await failureOf(exchange(new URL(`${url}/sns/jscode2session`), { method: 'GET', headers: {}, timeoutMs: 2000 }));
    expect(failure.reason).toBe('connect');
    expect(failure.detail).toContain('ECONNREFUSED');
  });

  it('fails as "network" when the connection breaks after the request went out', async () => {
    const server = await serve((request) => request.socket.destroy());
    const failure = await failureOf(exchange(new URL(`${server.url}/sns/jscode2session`), { method: 'GET', headers: {}, timeoutMs: 2000 }));
    expect(failure.reason).toBe('network');
  });

  it('fails as "network" when the connection breaks in the middle of the body', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('{"errcode":');
      setTimeout(() => (response.socket as Socket).destroy(), 20);
    });
    const failure = await failureOf(exchange(new URL(`${server.url}/sns/jscode2session`), { method: 'GET', headers: {}, timeoutMs: 2000 }));
    expect(failure.reason).toBe('network');
  });

  it('times out when no answer comes, and when the body stalls after the headers; the next exchange starts afresh', async () => {
    let answered = 0;
    const silent = await serve(() => undefined);
    const stalling = await serve((request, response) => {
      if (request.url === '/ok') {
        answered += 1;
        response.end('{}');
        return;
      }
      response.writeHead(200, { 'content-length': '100' });
      response.write('{"errcode":');
    });
    for (const server of [silent, stalling]) {
      const failure = await failureOf(
        exchange(new URL(`${server.url}/sns/jscode2session`), { method: 'GET', headers: {}, timeoutMs: 150 }),
      );
      expect(failure.reason).toBe('timeout');
    }
    expect((await exchange(new URL(`${stalling.url}/ok`), { method: 'GET', headers: {}, timeoutMs: 2000 })).body).toBe('{}');
    expect(answered).toBe(1);
  });

  it('times out while the connection is being made: a TLS handshake that never answers', async () => {
    // Accepts the TCP connection and never says a word: the handshake hangs. undici heeds the
    // deadline only once connected; the exchange must not wait for its 10 s connect timeout.
    const silent = createNetServer((socket) => openSockets.push(socket));
    netServers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = performance.now();
    const failure = await failureOf(
      exchange(new URL(`https://127.0.0.1:${(silent.address() as AddressInfo).port}/sns/jscode2session`), {
        method: 'GET',
        headers: {},
        timeoutMs: 200,
      }),
    );
    expect(failure.reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('answers the body as sent, a leading byte order mark included (WeChat Pay signs the exact text)', async () => {
    const server = await serve((_request, response) => response.end('\uFEFF{"errcode":0}'));
    const answer = await exchange(new URL(`${server.url}/x`), { method: 'GET', headers: {}, timeoutMs: 2000 });
    expect(answer.body).toBe('\uFEFF{"errcode":0}');
  });

  it('refuses a compressed answer, which it did not accept, as an HTTP failure', async () => {
    const server = await serve((_request, response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end('compressed'));
    const failure = await failureOf(exchange(new URL(`${server.url}/sns/jscode2session`), { method: 'GET', headers: {}, timeoutMs: 2000 }));
    expect(failure.reason).toBe('http');
    expect(failure.detail).toContain('gzip');
  });

  it("closes an idle connection before the server's Keep-Alive hint runs out, so none is reused stale", async () => {
    const server = await serve((_request, response) => response.end('{}'));
    // The server answers `Keep-Alive: timeout=2` and closes an idle connection after 2 s.
    servers[servers.length - 1]!.keepAliveTimeout = 2_000;
    const get = () => exchange(new URL(`${server.url}/x`), { method: 'GET', headers: {}, timeoutMs: 2000 });
    for (let i = 0; i < 4; i += 1) await get();
    const kept = server.connections();
    expect(kept).toBeLessThanOrEqual(2); // kept for the next exchanges
    // Closed a second before the hint: after 1.3 s (the server would still take it) the next
    // exchange goes out on a new connection.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await get();
    expect(server.connections()).toBe(kept + 1);
  });

  it('refuses a URL that is not http(s)', async () => {
    await expect(exchange(new URL('ftp://127.0.0.1/x'), { method: 'GET', headers: {}, timeoutMs: 100 })).rejects.toThrow(/not an http/);
  });
});
