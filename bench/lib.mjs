// Helpers shared by the benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import { createSecretKey, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import { hasNodeFlags, productionStartEnv, readNodeFlags } from '../apps/server/build/node-flags.mjs';

/** The repository, the server's package (where its processes run) and the benchmarks' outputs. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SERVER_DIR = join(ROOT, 'apps/server');
export const OUT_DIR = join(ROOT, 'bench/out');

/** `--name <value>` from the command line, else `fallback`. */
export function stringArg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** `--name <number>` from the command line, else `fallback`. */
export function numberArg(name, fallback) {
  const value = stringArg(name);
  return value === undefined ? fallback : Number(value);
}

/** The load of the scripts that drive wrk (http-load, notify, tracing, ab): `--seconds` per wrk run, `--rounds`, wrk's `--connections` and `--threads`. */
export function loadArgs() {
  return {
    seconds: numberArg('seconds', 5),
    rounds: numberArg('rounds', 3),
    connections: numberArg('connections', 50),
    threads: numberArg('threads', 2),
  };
}

/** Writes `result` as bench/out/<file> (JSON), which run.mjs reads for RESULTS.md. */
export function writeOutput(file, result) {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, file), `${JSON.stringify(result, null, 2)}\n`);
}

let tsx;
/** A TypeScript module of the workspace, loaded from source through tsx (as the test suites load them). */
export async function tsSource(specifier) {
  tsx ??= import('tsx/esm/api');
  return (await tsx).tsImport(specifier, import.meta.url);
}

/**
 * @app/test-support: where the test MariaDB and Redis are (TEST_MYSQL_URL, TEST_REDIS_URL, and
 * their defaults) and scratch databases.
 */
export const testSupport = () => tsSource('@app/test-support');

/**
 * MariaDB answers (TEST_MYSQL_URL), or the process ends with @app/test-support's message saying how
 * to start it, not with a connection error's stack: `npm run bench` asks before it spends a minute
 * building.
 */
export async function requireDatabase() {
  const { requireMysql } = await testSupport();
  try {
    await requireMysql();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

/**
 * A database of its own for one run (@app/test-support's createScratchDatabase, `app_test_<purpose>_…`,
 * utf8mb4), `url` for DATABASE_URL, and `admin`, a connection to the server (times in UTC) for the
 * rows a benchmark puts in (its tables named with the database). `dispose()` closes it and drops the
 * database.
 */
export async function benchDatabase(purpose) {
  const { TEST_MYSQL_URL, createScratchDatabase } = await testSupport();
  const admin = await createConnection({ uri: TEST_MYSQL_URL, timezone: 'Z' }).catch(async (error) => {
    await requireDatabase(); // unreachable: says how to start it, and ends the process
    throw error;
  });
  let database;
  try {
    database = await createScratchDatabase(purpose);
  } catch (error) {
    await admin.end();
    throw error;
  }
  return {
    name: database.name,
    url: database.url,
    admin,
    async dispose() {
      try {
        await database.drop();
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * The path of a GET of tRPC queries without input, batched as the mini-program's client sends them:
 * no `input=` (apps/miniprogram/src/api/batch-request.ts), `/trpc/user.me?batch=1`.
 */
export function trpcQueryPath(...procedures) {
  return `/trpc/${procedures.join(',')}?batch=1`;
}

/** user.me's path. */
export const ME_PATH = trpcQueryPath('user.me');

/** auth.login under load: every request a fresh code (bench/login.lua), redeemed by the WeChat mock. */
export const LOGIN_TARGET = { path: '/trpc/auth.login?batch=1', script: join(ROOT, 'bench/login.lua') };

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
 * (`/healthz` unless told, with `headers`), asked every 2 ms, then stops it; `atFirstAnswer(pid)`,
 * if given, runs before it is stopped (to read its /proc figures then).
 */
export async function coldStart(
  args,
  { cwd, env = {}, command = process.execPath, path = '/healthz', headers = {}, timeoutMs = 15_000, atFirstAnswer } = {},
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
    const ms = performance.now() - started;
    atFirstAnswer?.(child.pid);
    return ms;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
}

/**
 * How a production start of the build in `distDir` runs Node.js, as apps/server/build/node-flags.mjs
 * has the build write it: its `nodeFlags` (dist/node-flags) and the variables it adds to the
 * environment, `env` (dist/glibc-tunables, unless this process's environment has a GLIBC_TUNABLES).
 * Neither for a directory the build did not write them to (a bench-server build, say).
 */
export function productionStart(distDir) {
  if (!hasNodeFlags(distDir)) return { nodeFlags: [], env: {} };
  return { nodeFlags: readNodeFlags(distDir), env: productionStartEnv(distDir, process.env) };
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

let groupRoot;
/**
 * Where this machine lets the bench give each server process a CPU group of its own (a cgroup of
 * the `cpu` controller, at the default weight: cgroup v1's cpu hierarchy, or v2's with `cpu`
 * enabled), or null (not root, no such controller). Two servers sharing core 0, each in its own
 * group, then get half of it each whatever their threads: without groups the scheduler shares the
 * core by thread, and a Go server, whose runtime keeps several threads runnable, took 2–3× the CPU
 * time of the Node server beside it (bench/README.md, "Paired measurement"). Asked once.
 */
function cpuGroupRoot() {
  if (groupRoot === undefined) {
    groupRoot = null;
    const candidates = [
      ['/sys/fs/cgroup/cpu', () => existsSync('/sys/fs/cgroup/cpu/cpu.shares')],
      ['/sys/fs/cgroup', () => /\bcpu\b/.test(readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8'))],
    ];
    for (const [dir, hasCpu] of candidates) {
      try {
        if (!hasCpu()) continue;
        const probe = join(dir, `bench-probe-${process.pid}`);
        mkdirSync(probe);
        rmdirSync(probe);
        groupRoot = dir;
        break;
      } catch {
        // Not this one (absent, or not writable by this user).
      }
    }
  }
  return groupRoot;
}

/** Whether servers get CPU groups of their own (see cpuGroupRoot), for the report. */
export const cpuGroups = () => cpuGroupRoot() !== null;

/** `child` in a CPU group of its own, removed when it exits; nothing when groups cannot be made. */
function ownCpuGroup(child) {
  const root = cpuGroupRoot();
  if (root === null || child.pid === undefined) return;
  const group = join(root, `bench-${process.pid}-${child.pid}`);
  try {
    mkdirSync(group);
    // Every thread of the process, and those it starts later.
    writeFileSync(join(group, 'cgroup.procs'), String(child.pid));
  } catch {
    return;
  }
  child.once('exit', () => {
    try {
      rmdirSync(group);
    } catch {
      // Still busy for a moment, or already gone: an empty group left behind costs nothing.
    }
  });
}

const pinned = (core, command, args) => (pinning() ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]);

/**
 * Starts `node <args>` (or `command <args>`) on core 0 (or `core`), in apps/server unless told, with
 * only PATH and `env` as its environment (nothing of the caller's leaks in). Its stdout, where
 * servers write their log lines, is /dev/null.
 */
function startNode(args, { cwd = SERVER_DIR, env, command = process.execPath, core = 0 }) {
  const [pinnedCommand, commandArgs] = pinned(core, command, args);
  return spawn(pinnedCommand, commandArgs, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The processes a benchmark starts (`start` takes startNode's arguments), stopped together by `stopAll()` at its end. */
export function processGroup() {
  const children = [];
  return {
    start(args, options) {
      const child = startNode(args, options);
      // Servers (core 0) each in a CPU group of its own; the mock, with wrk on core 1, needs none.
      if ((options.core ?? 0) === 0) ownCpuGroup(child);
      children.push(child);
      return child;
    },
    async stopAll() {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : null)));
    },
  };
}

/**
 * A server started in `processes` (`node <args>`, or `command <args>`, with `env` and PORT, a free
 * port), answering /healthz before this returns: its process, pid and base URL (`http://127.0.0.1:<port>`).
 */
export async function startServer(processes, args, { env = {}, command, ...options } = {}) {
  const port = await freePort();
  const child = processes.start(args, { ...options, env: { ...env, PORT: String(port) }, command });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`, child);
  return { child, pid: child.pid, url };
}

/** The server's migrations, run up on the database `env` names (the build's dist/migrate.mjs). */
export async function migrate(env) {
  const child = startNode(['dist/migrate.mjs', 'up'], { env });
  if ((await once(child, 'exit'))[0] !== 0) throw new Error('migration failed');
}

/**
 * The server's environment under load: production mode, LOG_LEVEL=info (one log line per request,
 * as deployed), the database at `databaseUrl`, the rate limits out of a load test's way. With
 * `mock`, the WeChat mock as its own process (in `processes`), answering before this returns: it
 * accepts login.lua's codes ("bench-<user>:<nonce>") as freshly issued. Without, WeChat's base URL
 * is a free port where nothing listens.
 */
export async function serverEnvironment({ databaseUrl, processes, mock = true }) {
  const mockPort = await freePort();
  const env = productionEnv({
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    WECHAT_API_BASE_URL: `http://127.0.0.1:${mockPort}`,
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '100000000',
    RATE_LIMIT_MUTATIONS_PER_USER_PER_MINUTE: '100000000',
  });
  if (mock) {
    const mockCli = fileURLToPath(import.meta.resolve('@app/wechat-mock/cli'));
    const mockArgs = ['--port', String(mockPort), '--app-id', env.WECHAT_APP_ID, '--app-secret', env.WECHAT_APP_SECRET];
    const child = processes.start(
      ['--import', 'tsx', mockCli, ...mockArgs, '--bench-code-prefix', 'bench-', '--login-limit', '100000000'],
      // On core 1, with wrk: it stands in for WeChat's servers, whose work is not the server's.
      { env: { NODE_ENV: 'development' }, core: 1 },
    );
    await waitFor(`http://127.0.0.1:${mockPort}/__dev/stats`, child);
  }
  return env;
}

/** Resident memory of a process now and at its peak, and its parts, in MiB, from /proc. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return {
    rssMiB: kib('VmRSS') / 1024,
    peakMiB: kib('VmHWM') / 1024,
    // The RSS's parts: anonymous memory (heaps: V8's and malloc's) and mapped files (code).
    anonMiB: kib('RssAnon') / 1024,
    fileMiB: kib('RssFile') / 1024,
  };
}

/** V8's regular heap page: 256 KiB, mapped on its own at a 256 KiB-aligned address (V8's kPageSizeBits, 18). */
const V8_PAGE_BYTES = 256 * 1024;

/**
 * V8's regular heap pages among a process's mappings, in MiB (/proc/<pid>/smaps): how much is
 * mapped (each page V8 holds, in a space or kept for reuse) and how much of it is resident.
 * V8's own figure for its resident heap (total_physical_size) is an estimate: under load, some
 * ninety of the server's ~620 pages stay mapped with only 4 KiB resident (emptied, their memory
 * given back to the kernel) and come back resident as V8 uses them again, which that figure does
 * not follow; the kernel's count does. Large objects' pages (other sizes) are not among them.
 * Also the anonymous memory of all mappings, from the same read, so that what lies outside V8's
 * pages is counted at one moment.
 */
export function v8PagesOf(pid) {
  let mappedKiB = 0;
  let residentKiB = 0;
  let anonymousKiB = 0;
  let isPage = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    // A mapping's first line: "start-end perms offset dev inode [path]"; anonymous ones name no path.
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) rw-p \S+ \S+ 0\s*$/.exec(line);
    if (mapping) {
      const start = Number.parseInt(mapping[1], 16);
      isPage = Number.parseInt(mapping[2], 16) - start === V8_PAGE_BYTES && start % V8_PAGE_BYTES === 0;
      if (isPage) mappedKiB += V8_PAGE_BYTES / 1024;
    } else if (/^[0-9a-f]+-/.test(line)) {
      isPage = false;
    } else if (isPage && line.startsWith('Rss:')) {
      residentKiB += Number(/(\d+) kB/.exec(line)?.[1] ?? 0);
    } else if (line.startsWith('Anonymous:')) {
      anonymousKiB += Number(/(\d+) kB/.exec(line)?.[1] ?? 0);
    }
  }
  return {
    v8PagesMappedMiB: mappedKiB / 1024,
    v8PagesResidentMiB: residentKiB / 1024,
    otherAnonMiB: (anonymousKiB - residentKiB) / 1024,
  };
}

const JWT_ISSUER = 'wechat-miniprogram-api';
const JWT_AUDIENCE = 'wechat-miniprogram';

/**
 * An access token as AccessTokens.issue makes it (its claims, in its order; signed by packages/api's
 * own signHs256), made here so that a benchmark needs no sign-in first. Valid for `ttlSeconds` (two
 * hours unless told).
 */
async function accessToken(secret, { userId, sessionId, ttlSeconds = 7200 }) {
  const { signHs256 } = await tsSource('../packages/api/src/modules/auth/hs256.ts');
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sid: sessionId, iss: JWT_ISSUER, aud: JWT_AUDIENCE, sub: String(userId), jti: randomUUID(), iat, exp: iat + ttlSeconds };
  return signHs256(claims, createSecretKey(Buffer.from(secret, 'utf8')));
}

/**
 * A signed-in user in a migrated database: the user (with a nickname, an avatar and a phone, so the
 * answer has the masking to do), a live session, and the Authorization header of an access token for it.
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
  const token = await accessToken(secret, { userId: user.insertId, sessionId });
  return { headers: { authorization: `Bearer ${token}` } };
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

/** The fields of /proc/<pid>/stat after the command's name, from the state on (`proc(5)`'s third field is [0]). */
const statFields = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

let clockTicks;
/** CPU seconds the process has used so far (all threads: user + system), from /proc. */
export function cpuSeconds(pid) {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** The minor page faults of the process so far (`self` for this one), from /proc. */
export const minorFaults = (pid) => Number(statFields(pid)[7]);

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

let runCount = 0;
/**
 * A run id for the Lua scripts, never the same twice (not even for two runs started in the same
 * millisecond): it keeps the codes and keys of other runs from being presented again.
 */
const freshRunId = () => `${process.pid}x${Date.now().toString(36)}x${(runCount += 1)}`;

/**
 * One wrk run on core 1 against `url`: `headers` as -H, `script` (Lua) with `scriptArgs` after
 * `--` (a fresh run id unless told). Answers requests, req/s, p50/p99 (ms), non-2xx and socket
 * errors, as wrk reports them, and, given the server's `pid`, its CPU time per request in µs over
 * the run (all threads, from /proc; NaN without a pid or requests).
 */
export async function runWrk({ url, headers = {}, script, scriptArgs = [freshRunId()], pid }, { seconds, threads, connections }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (script) args.push('-s', script);
  args.push(url);
  if (script && scriptArgs.length > 0) args.push('--', ...scriptArgs);
  const [command, commandArgs] = pinned(1, 'wrk', args);
  const cpuBefore = pid === undefined ? NaN : cpuSeconds(pid);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const [code, signal] = await once(child, 'exit');
  const cpu = pid === undefined ? NaN : cpuSeconds(pid) - cpuBefore;
  const report = parseWrk(output);
  return {
    ...report,
    cpuUsPerRequest: report.requests > 0 ? (cpu / report.requests) * 1e6 : NaN,
    // A wrk that wrote no report (killed from outside, say: this machine is shared) counts as failed.
    failed: !/requests in/.test(output) ? `wrk exited with ${signal ?? code} and no report` : null,
  };
}

/**
 * `run(attempt)`, a wrk run (runWrk's result), run again when it failed (no report), twice at most,
 * each time said to `log` under `label`; the last result when all three failed.
 */
export async function retryingWrk(label, run, { attempts = 3, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    const result = await run(attempt);
    if (result.failed === null || attempt === attempts) return result;
    log(`${label}: ${result.failed}; again`);
  }
}

/**
 * One pair: cases `a` and `b` (each `{ url, headers, script, pid }`, on processes of their own)
 * under load at once, two wrk processes with half the connections each. Each side's CPU per
 * request and req/s, A's ratios to B, the CPU time A's process got over B's (`cpuShare`: 1 when
 * the scheduler shared the core evenly), the pair's req/s and non-2xx; `failed` says why there is
 * no pair (a wrk run failed, or one side served nothing), else null.
 */
async function pairedSample(a, b, { seconds, connections }) {
  const half = { seconds, threads: 1, connections: Math.max(1, Math.floor(connections / 2)) };
  const [resultA, resultB] = await Promise.all([runWrk(a, half), runWrk(b, half)]);
  const failed = resultA.failed ?? resultB.failed ?? (resultA.requests === 0 || resultB.requests === 0 ? 'no requests served' : null);
  return {
    failed,
    cpuA: resultA.cpuUsPerRequest,
    cpuB: resultB.cpuUsPerRequest,
    rpsA: resultA.rps,
    rpsB: resultB.rps,
    cpuRatio: resultA.cpuUsPerRequest / resultB.cpuUsPerRequest,
    rpsRatio: resultA.rps / resultB.rps,
    cpuShare: (resultA.cpuUsPerRequest * resultA.rps) / (resultB.cpuUsPerRequest * resultB.rps),
    rps: resultA.rps + resultB.rps,
    non2xx: resultA.non2xx + resultB.non2xx,
  };
}

/**
 * `a` against `b` (runWrk targets on processes of their own), paired: a warm-up of both (unless
 * `warmUp` is false), then `pairs` paired samples; with `alternate` (`[a, b]` on the other
 * processes), every other pair has them, so that each process serves each side as often (two
 * processes of one server). Fair between any two servers when each has a CPU group of its own
 * (`cpuGroups`); without, only between servers the scheduler treats alike (two Node processes).
 * Pairs that failed, had non-2xx answers (`failed`) or that the machine starved (`starved`) are
 * left out. Each pair is told to `log` as it ends (`describe` words a kept one). Answers the
 * medians of each side's CPU per request, of the pairs' B/A (`ratio`, its range `range`) and A/B
 * (`cpuRatio`, `cpuRange`; req/s: `rpsRatio`, `rpsRange`), of the CPU time A's process got over
 * B's (`cpuShare`), and the pairs kept (`samples`).
 */
export async function comparePaired(
  a,
  b,
  {
    pairs,
    seconds,
    connections,
    alternate,
    warmUp = true,
    log = (line) => process.stderr.write(`${line}\n`),
    describe = (s) =>
      `A ${s.cpuA.toFixed(1)} µs/req (${s.rpsA.toFixed(0)} req/s), B ${s.cpuB.toFixed(1)} µs/req (${s.rpsB.toFixed(0)} req/s), B/A ${(s.cpuB / s.cpuA).toFixed(3)}`,
  },
) {
  if (warmUp) {
    // Warm-up: the JIT, the pools (and for tracing, the exporter's first batches).
    await pairedSample(a, b, { seconds: 3, connections });
  }
  const sides = alternate ? [[a, b], alternate] : [[a, b]];
  const samples = [];
  let failed = 0;
  for (let pair = 1; pair <= pairs; pair += 1) {
    const [sideA, sideB] = sides[(pair - 1) % sides.length];
    const sample = await pairedSample(sideA, sideB, { seconds, connections });
    // Errors (a database so starved that requests time out): no pair, said so.
    if (sample.failed || sample.non2xx > 0) {
      failed += 1;
      log(`pair ${pair}/${pairs}: left out, ${sample.failed ?? `${sample.non2xx} non-2xx`}`);
      continue;
    }
    samples.push(sample);
    log(`pair ${pair}/${pairs}: ${describe(sample)}`);
  }
  const { kept, starved } = dropStarved(samples);
  const spread = (values) => (values.length > 0 ? [Math.min(...values), Math.max(...values)] : [NaN, NaN]);
  const ratios = kept.map((s) => s.cpuB / s.cpuA);
  return {
    kept: kept.length,
    leftOut: pairs - kept.length,
    failed,
    starved,
    cpuA: median(kept.map((s) => s.cpuA)),
    cpuB: median(kept.map((s) => s.cpuB)),
    ratio: median(ratios),
    range: spread(ratios),
    cpuRatio: median(kept.map((s) => s.cpuRatio)),
    cpuRange: spread(kept.map((s) => s.cpuRatio)),
    rpsRatio: median(kept.map((s) => s.rpsRatio)),
    rpsRange: spread(kept.map((s) => s.rpsRatio)),
    cpuShare: median(kept.map((s) => s.cpuShare)),
    samples: kept.map(({ cpuRatio, rpsRatio, cpuShare, cpuA, cpuB, rps }) => ({ cpuRatio, rpsRatio, cpuShare, cpuA, cpuB, rps })),
  };
}

/** A number that is not NaN or ±Infinity (what a ratio of a failed run is). */
export const finite = (value) => typeof value === 'number' && Number.isFinite(value);

/** A change in MiB with its sign, `+2.5` or `-0.8`; `?` when unknown. */
export const signed = (value) => (finite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(1)}` : '?');

/** The product of paired steps' CPU ratios (each against the one before), or null when a step did not measure. */
export const stepsProduct = (steps) =>
  steps.every((step) => finite(step.cpuRatio)) ? steps.reduce((product, step) => product * step.cpuRatio, 1) : null;

/** Named trends (MiB per 10 minutes) as one line: `anon +2.5, file +0.0`. */
export const trendsText = (trends) =>
  Object.entries(trends)
    .map(([name, trend]) => `${name} ${signed(trend)}`)
    .join(', ');

/** A range of ratios, `low–high` with `digits` decimals, or '–' when it has none (no pairs kept: NaN, or null from JSON). */
export function rangeText(range, digits = 2) {
  return Array.isArray(range) && range.every(finite) ? `${range[0].toFixed(digits)}–${range[1].toFixed(digits)}` : '–';
}

/**
 * Pairs in which the machine starved both sides (other work took the core or the database: under
 * half the pairs' median req/s) measure mostly idle overhead: `kept` leaves them out, `starved`
 * counts them.
 */
function dropStarved(pairs) {
  const typical = median(pairs.map((p) => p.rps));
  const kept = pairs.filter((p) => p.rps >= typical / 2);
  return { kept, starved: pairs.length - kept.length };
}

/**
 * Per case (`{ key, name }`), the medians of its runs in `samples[key]` (runWrk's results): req/s,
 * p50/p99 in ms, CPU per request; and its runs' non-2xx, socket errors and requests together.
 */
export function summarize(cases, samples) {
  return cases.map(({ key, name }) => {
    const runs = samples[key];
    const pick = (field) => median(runs.map((r) => r[field]));
    return {
      key,
      name,
      rps: pick('rps'),
      p50Ms: pick('p50'),
      p99Ms: pick('p99'),
      cpuUsPerRequest: pick('cpuUsPerRequest'),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      socketErrors: runs.map((r) => r.socketErrors).filter(Boolean),
      requests: runs.reduce((sum, r) => sum + r.requests, 0),
    };
  });
}
