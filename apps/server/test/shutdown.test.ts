import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createDatabase, migrateToLatest } from '@app/api/db';
import { errorCatalog } from '@app/shared';
import { inheritedEnv } from '@app/test-support';
import { describe, expect, it } from 'vitest';
import { createShutdown } from '../src/shutdown';
import { buildTestApp } from './support/app';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(serverDir, '../../node_modules/.bin/tsx');

/** A GET on a connection of its own (no agent) unless `agent` says otherwise. */
function get(url: string, options: { agent?: Agent; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    request(url, { agent: options.agent ?? false, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('graceful shutdown (in process)', () => {
  it('answers requests that arrive while closing with the coded 503, and still finishes in-flight ones', async () => {
    const { app, logs } = await buildTestApp();
    // Holds the close before the server stops listening, as a wait for a load balancer to notice
    // would: requests still arrive then.
    let drained!: () => void;
    app.addHook('preClose', () => new Promise<void>((resolve) => (drained = resolve)));
    app.get('/slow', async () => {
      await sleep(300);
      return { done: true };
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const exits: number[] = [];
    const inFlight = get(`${address}/slow`);
    await sleep(50);
    const stopping = createShutdown(app, { timeoutMs: 5_000, exit: (code) => exits.push(code) })('SIGTERM');
    await sleep(20);

    const refused = await get(`${address}/healthz`, { headers: { 'x-request-id': 'arrived-closing-0001' } });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({
      error: {
        appCode: 'SERVICE_UNAVAILABLE',
        message: errorCatalog.SERVICE_UNAVAILABLE.message,
        requestId: 'arrived-closing-0001',
        issues: null,
      },
    });
    expect(refused.headers).toMatchObject({ 'x-request-id': 'arrived-closing-0001', connection: 'close', 'retry-after': '1' });
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(logs.lines.find((line) => line.reqId === 'arrived-closing-0001' && line.msg === 'request')).toMatchObject({ status: 503 });

    drained();
    expect(await inFlight).toMatchObject({ status: 200, body: '{"done":true}' });
    await stopping;
    expect(exits).toEqual([0]);
  });

  it('closes a keep-alive connection after its in-flight response instead of waiting out the keep-alive timeout', async () => {
    const { app } = await buildTestApp();
    app.get('/slow', async () => {
      await sleep(300);
      return { done: true };
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true });
    const exits: number[] = [];
    const inFlight = get(`${address}/slow`, { agent });
    await sleep(50);
    const started = Date.now();
    const stopping = createShutdown(app, { timeoutMs: 3_000, exit: (code) => exits.push(code) })('SIGTERM');

    const answer = await inFlight;
    expect(answer).toMatchObject({ status: 200, body: '{"done":true}' });
    expect(answer.headers.connection).toBe('close');
    await stopping;
    expect(exits).toEqual([0]);
    expect(Date.now() - started).toBeLessThan(1_500);
    agent.destroy();
  });

  it('lets an in-flight request finish, refuses new connections, closes the database, exits 0', async () => {
    const db = createDatabase({ url: 'sqlite::memory:' });
    await migrateToLatest(db);
    const { app } = await buildTestApp({}, { db });
    app.addHook('onClose', async () => db.destroy());
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { done: true };
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });

    // Kysely only opens (and so only closes) a database once it has been used.
    expect((await get(`${address}/readyz`)).status).toBe(200);

    const exits: number[] = [];
    const shutdown = createShutdown(app, { timeoutMs: 5_000, exit: (code) => exits.push(code) });
    const inFlight = get(`${address}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = shutdown('SIGTERM');

    await expect(get(`${address}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    expect(await inFlight).toMatchObject({ status: 200, body: '{"done":true}' });
    await stopping;
    expect(exits).toEqual([0]);
    await expect(db.selectNoFrom((eb) => eb.val(1).as('one')).execute()).rejects.toThrow(/destroyed/i);
  });

  it("shuts the tracing SDK down after the app's onClose hooks, so their spans are exported, then exits 0", async () => {
    const { app } = await buildTestApp();
    const order: string[] = [];
    // Like the background work's stop (app.ts): registered before, it would run after an onClose hook
    // added here, as the tracing SDK's shutdown was (Fastify runs them in reverse order).
    app.addHook('onClose', async () => {
      await sleep(50);
      order.push('background work stopped');
    });
    await app.ready();
    const shutdown = createShutdown(app, {
      timeoutMs: 5_000,
      exit: (code) => order.push(`exit ${code}`),
      afterClose: () => Promise.resolve().then(() => void order.push('tracing shut down')),
    });
    await shutdown('SIGTERM');
    expect(order).toEqual(['background work stopped', 'tracing shut down', 'exit 0']);
  });

  it('exits 1 when in-flight work outlasts the timeout', async () => {
    const { app } = await buildTestApp();
    let release!: () => void;
    app.get('/stuck', () => new Promise<string>((resolve) => (release = () => resolve('late'))));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const exits: number[] = [];
    const inFlight = get(`${address}/stuck`).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const stopping = createShutdown(app, { timeoutMs: 100, exit: (code) => exits.push(code) })('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exits).toEqual([1]);
    release();
    await stopping;
    await inFlight;
  });
});

describe('the server process', () => {
  function startServer(env: Record<string, string>) {
    const child = spawn(tsx, ['src/main.ts'], {
      cwd: serverDir,
      env: inheritedEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it('stops with a message naming each wrong variable', async () => {
    const server = startServer({ NODE_ENV: 'production', PORT: 'not-a-port' });
    expect(await server.exited).toBe(1);
    const { stderr } = server.output();
    expect(stderr).toContain('PORT: expected a port number');
    expect(stderr).toContain('JWT_SECRET: is required in production');
  });

  it('serves, then exits 0 on SIGTERM after logging the shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'server-test-'));
    try {
      const server = startServer({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}` });
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /Server listening at (http:\/\/[\d.:]+)/.exec(server.output().stdout);
          if (match?.[1]) {
            clearInterval(timer);
            resolve(match[1]);
          }
        }, 50);
        void server.exited.then(() => {
          clearInterval(timer);
          reject(new Error(`server exited early: ${server.output().stderr}`));
        });
      });
      expect((await get(`${address}/healthz`)).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output().stdout).toContain('"msg":"stopped"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
