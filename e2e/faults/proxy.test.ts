/**
 * Behind one trusted proxy (TRUST_PROXY=1; the proxy appends the address it saw to
 * X-Forwarded-For, as load balancers and API gateways do): a client that forges X-Forwarded-For
 * neither escapes the per-address sign-in limit nor uses up someone else's.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import superjson from 'superjson';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appCodeOf, report } from './support/load';
import type { ServerProcess } from './support/server-process';
import { startStack, type Stack } from './support/stack';

const LIMIT = 5;
let stack: Stack;
let server: ServerProcess;
let proxy: Server;
let proxyPort: number;

beforeAll(async () => {
  stack = await startStack();
  server = await stack.server({ TRUST_PROXY: '1', RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: String(LIMIT) });
  const upstream = new URL(server.url);
  // The proxy: forwards everything, appending the client's address to X-Forwarded-For.
  proxy = createServer((incoming, outgoing) => {
    const forwarded = [incoming.headers['x-forwarded-for'], incoming.socket.remoteAddress].filter(Boolean).join(', ');
    const upstreamRequest = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, 'x-forwarded-for': forwarded },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await stack.close();
});

/** A sign-in through the proxy from `clientAddress` (a loopback address of its own), forging `forgedFor`. */
function signInThroughProxy(clientAddress: string, forgedFor: string): Promise<string> {
  const body = JSON.stringify(superjson.serialize({ code: stack.mock.world.issueLoginCode(`proxied-${Math.random()}`) }));
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        localAddress: clientAddress,
        method: 'POST',
        path: '/trpc/auth.login',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forgedFor },
      },
      (answer) => {
        let text = '';
        answer.on('data', (chunk: Buffer) => (text += chunk.toString()));
        answer.on('end', () => resolve(appCodeOf(answer.statusCode ?? 0, JSON.parse(text) as unknown)));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

it('counts each client by the address the proxy saw, whatever it forges', async () => {
  // The attacker (127.0.0.2) forges a new address on every attempt, and the victim's (127.0.0.3).
  const attacker: string[] = [];
  for (let i = 0; i < LIMIT + 5; i += 1) attacker.push(await signInThroughProxy('127.0.0.2', `10.7.${i}.1, 127.0.0.3`));
  expect(attacker.filter((code) => code === 'ok')).toHaveLength(LIMIT);
  expect(attacker.slice(LIMIT).every((code) => code === 'RATE_LIMITED')).toBe(true);
  // The victim is not locked out by the forgeries.
  const victim = await signInThroughProxy('127.0.0.3', '');
  expect(victim).toBe('ok');

  report('spoofed X-Forwarded-For behind one trusted proxy', {
    attempts: attacker.length,
    allowed: attacker.filter((code) => code === 'ok').length,
    limit: LIMIT,
    victimAllowed: victim === 'ok',
  });
});
