// Helpers shared by the benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/** `--name <number>` from the command line, else `fallback`. */
export function numberArg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function answers200(port, path, headers) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Spawns `command <args>` (node unless told) and returns ms from spawn to the first 200 on `path`
 * (`/healthz` unless told, with `headers`), asked every 2 ms, then stops it.
 */
export async function coldStart(
  args,
  { cwd, env = {}, command = process.execPath, path = '/healthz', headers = {}, timeoutMs = 15_000 } = {},
) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    while (!(await answers200(port, path, headers))) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr}`);
      if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for a 200 on ${path}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return performance.now() - started;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
}

/**
 * The compile cache of a build (`<dist>/.compile-cache`) as the build left it: `restore()` puts it
 * back before a cold start, so every start begins as a fresh container or function instance of
 * that build does. Node adds what a start compiled to the cache when the process exits; on this
 * disk that would carry one start's work into the next (mysql2, loaded only on MariaDB, say).
 */
export function pristineCompileCache(distDir) {
  const cache = join(distDir, '.compile-cache');
  const copy = mkdtempSync(join(tmpdir(), 'bench-compile-cache-'));
  cpSync(cache, copy, { recursive: true });
  return {
    restore() {
      rmSync(cache, { recursive: true, force: true });
      cpSync(copy, cache, { recursive: true });
    },
    dispose() {
      rmSync(copy, { recursive: true, force: true });
    },
  };
}

/** The variables a production start requires (see apps/server/.env.example), with bench values. */
export function productionEnv(overrides = {}) {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdefghijklmnop',
    SESSION_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
    WECHAT_APP_ID: 'wx0123456789abcdef',
    WECHAT_APP_SECRET: 'bench-app-secret-0123456789abcdef',
    ...overrides,
  };
}

let canPin;
/**
 * Whether servers go on core 0 and wrk on core 1: fewer migrations and less cache thrash, steadier
 * numbers. Asked once, lazily, so that scripts that never pin (cold-start.mjs) never run taskset.
 */
export function pinning() {
  if (canPin === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true']);
      canPin = availableParallelism() >= 2;
    } catch {
      canPin = false;
    }
  }
  return canPin;
}

const pinned = (core, command, args) => (pinning() ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]);

/**
 * Starts `node <args>` (or `command <args>`) on core 0, with only PATH and `env` as its environment
 * (nothing of the caller's leaks in). Its stdout, where servers write their log lines, is /dev/null.
 */
export function startNode(args, { cwd, env, command = process.execPath }) {
  const [pinnedCommand, commandArgs] = pinned(0, command, args);
  return spawn(pinnedCommand, commandArgs, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Resident memory of a process now and at its peak, in MiB, from /proc. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

const JWT_ISSUER = 'wechat-miniprogram-api';
const JWT_AUDIENCE = 'wechat-miniprogram';

/**
 * An access token as AccessTokens.issue makes it (HS256; iss, aud, sub, sid, jti, iat, exp), made
 * here so that a benchmark needs no sign-in first. Valid for `ttlSeconds` (two hours unless told).
 */
export function accessToken(secret, { userId, sessionId, ttlSeconds = 7200 }) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sid: sessionId, iss: JWT_ISSUER, aud: JWT_AUDIENCE, sub: String(userId), jti: randomUUID(), iat, exp: iat + ttlSeconds };
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

/**
 * A signed-in user in a migrated database: the user (with a nickname, an avatar and a phone, so the
 * answer has the masking to do), a live session, and an access token for it.
 */
export async function seedSignedInUser(admin, dbName, secret) {
  const now = new Date();
  const [user] = await admin.query(
    `INSERT INTO \`${dbName}\`.users (openid, unionid, nickname, avatar_url, phone, created_at, updated_at) VALUES (?, NULL, ?, ?, ?, ?, ?)`,
    [`bench-seeded-${randomUUID()}`, '压测用户', 'https://example.com/avatar.png', '+8613800138000', now, now],
  );
  const sessionId = randomUUID();
  await admin.query(
    `INSERT INTO \`${dbName}\`.auth_sessions (id, user_id, session_key_ciphertext, created_at, expires_at) VALUES (?, ?, 'bench', ?, ?)`,
    [sessionId, user.insertId, now, new Date(now.getTime() + 86_400_000)],
  );
  return { userId: user.insertId, token: accessToken(secret, { userId: user.insertId, sessionId }) };
}

/**
 * Until `url` answers 2xx (60 s at most: a start through tsx on this shared machine, busy, has taken
 * over 15 s); fails at once when `child`, the process to answer, has exited.
 */
export async function waitFor(url, child) {
  for (let i = 0; i < 1200; i += 1) {
    if (child && child.exitCode !== null)
      throw new Error(`the process for ${url} exited with ${child.exitCode} (its log lines went to /dev/null)`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not come up`);
}

let clockTicks;
/** CPU seconds the process has used so far (all threads: user + system), from /proc. */
export function cpuSeconds(pid) {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

const toMs = (value, unit) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);

function parseWrk(output) {
  const latency = (p) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(output);
    return match ? toMs(match[1], match[2]) : NaN;
  };
  return {
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? 0),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
    p50: latency(50),
    p99: latency(99),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: /Socket errors: (.*)/.exec(output)?.[1] ?? null,
  };
}

/**
 * One wrk run on core 1 against `url`: `headers` as -H, `script` (Lua) with `scriptArgs` after
 * `--`. Answers requests, req/s, p50/p99 (ms), non-2xx and socket errors, as wrk reports them.
 */
export async function runWrk({ url, headers = {}, script, scriptArgs = [] }, { seconds, threads, connections }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (script) args.push('-s', script);
  args.push(url);
  if (script && scriptArgs.length > 0) args.push('--', ...scriptArgs);
  const [command, commandArgs] = pinned(1, 'wrk', args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const [code, signal] = await once(child, 'exit');
  // A wrk that wrote no report (killed from outside, say: this machine is shared) counts as failed.
  return { ...parseWrk(output), failed: !/requests in/.test(output) ? `wrk exited with ${signal ?? code} and no report` : null };
}
