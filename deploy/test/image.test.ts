/**
 * The server image as an operator runs it (npm run test:image builds it first, see
 * docker/test-image.sh): migrations as their own command, the server configured only by
 * environment variables against this machine's MariaDB and Redis (--network host), a sign-in
 * through the WeChat mock with the official tRPC client, the health check, and SIGTERM.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AppRouter } from '@app/api';
import {
  createScratchDatabase,
  environmentValue,
  freePort,
  TEST_REDIS_URL,
  TEST_SERVER_IMAGE,
  waitUntil,
  type ScratchDatabase,
} from '@app/test-support';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const image = TEST_SERVER_IMAGE;
const WECHAT_APP = { appId: 'wx0d0c4e10a9e00001', appSecret: 'image-test-wechat-app-secret-0123456789' };

/** The production configuration, as `-e` flags: what apps/server/.env.example requires in production. */
function envFlags(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
}

async function docker(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
}

describe('the server image', () => {
  let database: ScratchDatabase;
  let mock: RunningWeChatMock;
  let port: number;
  let env: Record<string, string>;
  const container = `wmf-image-test-${process.pid}`;

  beforeAll(async () => {
    database = await createScratchDatabase('image');
    mock = await startWeChatMock(WECHAT_APP);
    port = await freePort();
    env = {
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      WECHAT_API_BASE_URL: mock.url,
      WECHAT_APP_ID: WECHAT_APP.appId,
      WECHAT_APP_SECRET: WECHAT_APP.appSecret,
      JWT_SECRET: 'image-test-jwt-secret-5f0c2a9e7b1d4c3a8e6f0b2d4c6a8e0f',
      SESSION_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 0x5c).toString('base64'),
    };
  });

  afterAll(async () => {
    await docker('rm', '-f', container).catch(() => undefined);
    await mock?.close();
    await database?.drop();
  });

  it('refuses to start without its secrets, naming the variable', async () => {
    const failed = await docker('run', '--rm', '--network', 'host', image).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/JWT_SECRET/);
  });

  it('starts from the warmed compile cache made in the image, as the user it runs as, which cannot change it', async () => {
    // Without its secrets the server stops right after loading its bundle: enough to see the cache used.
    const failed = await docker('run', '--rm', '-e', 'NODE_DEBUG_NATIVE=COMPILE_CACHE', image).then(
      () => null,
      (error: { stderr: string }) => error,
    );
    expect(failed?.stderr).toContain('V8 code cache for CommonJS /app/dist/server.cjs was accepted');
    // The warmed cache, not Node's own fallback (also accepted, holding only the bundle's top level),
    // found as Node finds it, with the build's own reader of the file (copied into the image).
    const inspect = `import { accessSync, constants, readFileSync, statSync } from 'node:fs';
      import { cacheFileFor, topLevelCacheSize } from '/usr/local/lib/compile-cache/compile-cache-file.mjs';
      const source = readFileSync('dist/server.cjs');
      const entry = cacheFileFor('dist/.compile-cache', source);
      let writable = true;
      try { accessSync(entry.path, constants.W_OK); } catch { writable = false; }
      console.log(JSON.stringify({ cache: entry.cache.length, topLevel: topLevelCacheSize(source), owner: statSync(entry.path).uid, writable }));`;
    const { stdout } = await docker('run', '--rm', '--entrypoint', 'node', image, '--input-type=module', '-e', inspect);
    const found = JSON.parse(stdout) as { cache: number; topLevel: number; owner: number; writable: boolean };
    expect(found.cache).toBeGreaterThan(2 * found.topLevel);
    expect(found).toMatchObject({ owner: 0, writable: false });
  });

  it('runs the migrations as their own command', async () => {
    const { stdout } = await docker('run', '--rm', '--network', 'host', ...envFlags(env), image, 'migrate', 'up');
    expect(stdout).toMatch(/\[db:migrate\] up on mysql/);
    const { stdout: status } = await docker('run', '--rm', '--network', 'host', ...envFlags(env), image, 'migrate', 'status');
    expect(status).not.toMatch(/pending/i);
  });

  it('serves as a non-root user, healthy, signs in through WeChat, and drains on SIGTERM', async () => {
    const spawned = performance.now();
    await docker('run', '-d', '--name', container, '--network', 'host', '--health-interval', '1s', ...envFlags(env), image);
    await waitUntil('the container', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, undefined, 60_000);
    const coldStartMs = performance.now() - spawned;
    const answeredAt = Date.now();
    // Docker's own share (creating the container; a copy of the image with the vfs driver used
    // here) apart from the server's: its process start to that first answer.
    const startedAt = Date.parse((await docker('inspect', '--format', '{{.State.StartedAt}}', container)).stdout.trim());
    const processStartMs = answeredAt - startedAt;

    const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({ db: 'up', redis: 'up' });

    const { code } = (await (
      await fetch(`${mock.url}/__dev/login-code`, { method: 'POST', body: JSON.stringify({ user: 'image-user' }) })
    ).json()) as { code: string };
    let token: string | null = null;
    const client = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `http://127.0.0.1:${port}/trpc`,
          transformer: superjson,
          headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        }),
      ],
    });
    const login = await client.auth.login.mutate({ code });
    token = login.accessToken;
    const me = await client.user.me.query();
    expect(me.id).toBe(login.user.id);

    expect((await docker('exec', container, 'id', '-u')).stdout.trim()).toBe('1000');
    // Node runs with the build's flags (dist/node-flags), as every production start does.
    const flags = (await docker('exec', container, 'cat', '/app/dist/node-flags')).stdout.split(/\s+/).filter(Boolean);
    expect(flags.length).toBeGreaterThan(0);
    const commandLine = (await docker('exec', container, 'cat', '/proc/1/cmdline')).stdout.split('\0');
    expect(commandLine.slice(1, 1 + flags.length)).toEqual(flags);
    // And with glibc's allocator settings (dist/glibc-tunables), as the entrypoint exports them.
    const tunables = (await docker('exec', container, 'cat', '/app/dist/glibc-tunables')).stdout.trim();
    expect(tunables).toMatch(/^glibc\.malloc\./);
    const environment = (await docker('exec', container, 'cat', '/proc/1/environ')).stdout;
    expect(environmentValue(environment, 'GLIBC_TUNABLES')).toBe(tunables);
    // The image's HEALTHCHECK (run every second here) turns the container healthy.
    await waitUntil(
      'a healthy health check',
      async () => (await docker('inspect', '--format', '{{.State.Health.Status}}', container)).stdout.trim() === 'healthy',
      undefined,
      30_000,
    );

    const stopping = performance.now();
    await docker('stop', '--time', '10', container);
    const stopMs = performance.now() - stopping;
    const { stdout: exitCode } = await docker('inspect', '--format', '{{.State.ExitCode}}', container);
    expect(exitCode.trim()).toBe('0'); // 137 would mean Docker killed it after the 10 s
    // Nothing in flight: draining is closing the port, the pool and Redis (measured: about 75 ms).
    expect(stopMs).toBeLessThan(2_000);
    const { stdout: logs } = await docker('logs', container);
    expect(logs).toMatch(/"signal":"SIGTERM"/);

    const size = Number((await docker('image', 'inspect', '--format', '{{.Size}}', image)).stdout.trim());
    console.log(
      `[image] ${image}: ${(size / 1024 / 1024).toFixed(0)} MiB; docker run to the first /healthz 200 in ${coldStartMs.toFixed(0)} ms ` +
        `(the container's process start to it: ${processStartMs} ms); ` +
        `docker stop (SIGTERM) to exit 0 in ${stopMs.toFixed(0)} ms`,
    );
  });

  it('keeps no secret and no .env in the image', async () => {
    const { stdout } = await docker('run', '--rm', '--entrypoint', 'sh', image, '-c', 'find / -xdev -name ".env*" 2>/dev/null; env');
    expect(stdout).not.toMatch(/^\/.*\.env/m);
    expect(stdout).not.toMatch(/SECRET|ENCRYPTION_KEY/);
  });
});
