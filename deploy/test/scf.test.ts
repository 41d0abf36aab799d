/**
 * The SCF package (npm run build:scf, which turbo runs before this suite) unzipped and started
 * the way SCF starts a web function: its scf_bootstrap, SCF's environment variables, port 9000,
 * against this machine's MariaDB and the WeChat mock (standing in for api.weixin.qq.com).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, environmentValue, inheritedEnv, waitUntil, type ScratchDatabase } from '@app/test-support';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import AdmZip from 'adm-zip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const zipFile = join(import.meta.dirname, '../scf/out/server-scf.zip');
const WECHAT_APP = { appId: 'wx5cf0000000000001', appSecret: 'scf-test-wechat-app-secret-0123456789ab' };
const SCF_PORT = 9000; // SCF web functions must listen there

/** What SCF sets in a web function's environment (its documented built-in variables). */
const SCF_ENVIRONMENT = {
  SCF_FUNCTIONNAME: 'wechat-mp-server',
  SCF_FUNCTIONVERSION: '$LATEST',
  SCF_NAMESPACE: 'default',
  SCF_RUNTIME: 'Nodejs24',
  SCF_MEMORY_SIZE: '512',
  TENCENTCLOUD_REGION: 'ap-guangzhou',
  TENCENTCLOUD_RUNENV: 'SCF',
  TENCENTCLOUD_APPID: '1250000000',
};

interface Instance {
  child: ChildProcess;
  output: () => string;
  spawnedAt: number;
}

describe('the SCF web function package', () => {
  let dir: string;
  let database: ScratchDatabase;
  let mock: RunningWeChatMock;
  let env: Record<string, string>;
  const instances: Instance[] = [];

  function startInstance(extraEnv: Record<string, string> = {}): Instance {
    const spawnedAt = performance.now();
    const child = spawn(join(dir, 'scf_bootstrap'), [], { cwd: '/', env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const instance = { child, output: () => output, spawnedAt };
    instances.push(instance);
    return instance;
  }

  async function stopInstance(instance: Instance): Promise<number | null> {
    if (instance.child.exitCode !== null) return instance.child.exitCode;
    const exited = once(instance.child, 'exit');
    instance.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }

  beforeAll(async () => {
    // Port 9000 is SCF's rule; say so plainly when this machine uses it for something else.
    if (!(await isFree(SCF_PORT))) throw new Error(`port ${SCF_PORT} is in use on this machine: stop what listens there`);
    dir = mkdtempSync(join(tmpdir(), 'scf-'));
    new AdmZip(zipFile).extractAllTo(dir, true, true);
    database = await createScratchDatabase('scf');
    mock = await startWeChatMock(WECHAT_APP);
    env = inheritedEnv({
      ...SCF_ENVIRONMENT,
      // The function's configured variables (SCF console → 环境变量):
      DATABASE_URL: database.url,
      WECHAT_API_BASE_URL: mock.url,
      WECHAT_APP_ID: WECHAT_APP.appId,
      WECHAT_APP_SECRET: WECHAT_APP.appSecret,
      JWT_SECRET: 'scf-test-jwt-secret-2b7e151628aed2a6abf7158809cf4f3c',
      SESSION_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 0x5f).toString('base64'),
      // SCF has /var/lang/node24; this machine has the project's Node.js instead.
      SCF_NODE_BINARY: process.execPath,
    });
    // Migrations are a release step of their own, not part of a function's start.
    execFileSync(process.execPath, [join(dir, 'dist/migrate.mjs'), 'up'], { env, stdio: 'ignore' });
  });

  afterAll(async () => {
    for (const instance of instances) await stopInstance(instance);
    await mock?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds an executable scf_bootstrap, the bundle with its compile cache, and no dev dependency', () => {
    const bootstrap = join(dir, 'scf_bootstrap');
    expect(statSync(bootstrap).mode & 0o111).toBe(0o111);
    const script = readFileSync(bootstrap, 'utf8');
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).not.toContain('\r');
    expect(existsSync(join(dir, 'dist/.compile-cache'))).toBe(true);
    for (const devOnly of ['vitest', 'tsx', 'esbuild', '@app/wechat-mock', 'typescript'])
      expect(existsSync(join(dir, 'node_modules', devOnly)), devOnly).toBe(false);
    for (const external of ['ioredis', 'prom-client']) expect(existsSync(join(dir, 'node_modules', external)), external).toBe(true);
    // The MySQL driver (the migration CLI's too) and the WeChat clients' HTTP client are the server's
    // own bundles, not node_modules' copies.
    for (const ownFile of ['mysql2', 'undici']) {
      expect(existsSync(join(dir, `dist/${ownFile}.cjs`)), ownFile).toBe(true);
      expect(existsSync(join(dir, 'node_modules', ownFile)), ownFile).toBe(false);
    }
  });

  it('prewarms in the init phase, then answers a returning user on a cold instance', async () => {
    const first = startInstance();
    await waitUntil('scf_bootstrap', async () => (await fetch(`http://127.0.0.1:${SCF_PORT}/healthz`)).ok, first.child, 30_000);
    // The database connection and the WeChat access token were ready before the port listened.
    const prewarmed = first
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"prewarmed'))
      .map((line) => JSON.parse(line) as { database: { ok: boolean }; wechatToken: { ok: boolean } });
    expect(prewarmed).toHaveLength(1);
    expect(prewarmed[0]).toMatchObject({ database: { ok: true }, wechatToken: { ok: true } });
    expect(mock.world.stats.stableToken).toBe(1);
    // Node runs with the build's flags (dist/node-flags): scf_bootstrap execs it in its own process.
    const flags = readFileSync(join(dir, 'dist/node-flags'), 'utf8').split(/\s+/).filter(Boolean);
    expect(flags.length).toBeGreaterThan(0);
    const commandLine = readFileSync(`/proc/${first.child.pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine.slice(1, 1 + flags.length)).toEqual(flags);
    // And with glibc's allocator settings (dist/glibc-tunables), as scf_bootstrap exports them.
    const tunables = readFileSync(join(dir, 'dist/glibc-tunables'), 'utf8').trim();
    expect(tunables).toMatch(/^glibc\.malloc\./);
    expect(environmentValue(environmentOf(first.child.pid), 'GLIBC_TUNABLES')).toBe(tunables);

    const login = await fetch(`http://127.0.0.1:${SCF_PORT}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { code: mock.world.issueLoginCode('scf-user') } }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = ((await login.json()) as { result: { data: { json: { accessToken: string } } } }).result.data.json;
    expect(await stopInstance(first)).toBe(0);

    // A new instance (SCF scaled out, or the old one was reclaimed): spawn to the first 200.
    const cold = startInstance();
    // Polled every 2 ms (not waitUntil's 50 ms): this is the figure reported.
    let answeredAt = 0;
    const deadline = performance.now() + 30_000;
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${SCF_PORT}/trpc/user.me`, { headers: { authorization: `Bearer ${accessToken}` } }).then(
        (response) => response.status,
        () => 0,
      );
      answeredAt = performance.now();
      if (status === 200) break;
      if (cold.child.exitCode !== null || answeredAt > deadline)
        throw new Error(`no authenticated user.me 200 (last ${status}):\n${cold.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const coldMs = answeredAt - cold.spawnedAt;
    expect(mock.world.stats.stableToken).toBe(2); // fetched in this instance's init, not by a request
    console.log(`[scf] scf_bootstrap spawn to the first authenticated user.me 200 on MariaDB: ${coldMs.toFixed(0)} ms`);
    expect(await stopInstance(cold)).toBe(0);

    // A GLIBC_TUNABLES among the function's variables is used as given, even empty (glibc's defaults).
    const configured = startInstance({ GLIBC_TUNABLES: '' });
    await waitUntil('scf_bootstrap', async () => (await fetch(`http://127.0.0.1:${SCF_PORT}/healthz`)).ok, configured.child, 30_000);
    expect(environmentValue(environmentOf(configured.child.pid), 'GLIBC_TUNABLES')).toBe('');
  });
});

/** A process's environment block (Linux's /proc), for environmentValue. */
function environmentOf(pid: number | undefined): string {
  return readFileSync(`/proc/${pid}/environ`, 'utf8');
}

async function isFree(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => false,
    () => true,
  );
}
