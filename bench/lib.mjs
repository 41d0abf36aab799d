// Helpers shared by the benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

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

function healthz(port) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Spawns `node <args>` and returns ms from spawn to the first /healthz 200, then stops it. */
export async function coldStart(args, { cwd, env = {}, timeoutMs = 15_000 } = {}) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    while (!(await healthz(port))) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr}`);
      if (performance.now() - started > timeoutMs) throw new Error('timed out waiting for /healthz');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return performance.now() - started;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
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

/** Starts `node <args>` on core 0, with only PATH and `env` as its environment (nothing of the caller's leaks in). */
export function startNode(args, { cwd, env }) {
  const [command, commandArgs] = pinned(0, process.execPath, args);
  return spawn(command, commandArgs, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function waitFor(url) {
  for (let i = 0; i < 300; i += 1) {
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
  await once(child, 'exit');
  return parseWrk(output);
}
