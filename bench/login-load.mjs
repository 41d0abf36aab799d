// Login throughput: auth.login (against the local WeChat mock and MySQL) next to user.me
// (token check + one select), with autocannon on loopback against the bundled server.
// Usage: node bench/login-load.mjs [--seconds N] [--connections N]   (npm run build first; needs MariaDB)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createConnection } from 'mysql2/promise';
import { freePort, productionEnv } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
if (process.argv.includes('--help')) {
  console.log('Usage: node bench/login-load.mjs [--seconds 10] [--connections 20]');
  process.exit(0);
}
const seconds = arg('seconds', 10);
const connections = arg('connections', 20);
const root = fileURLToPath(new URL('..', import.meta.url));
const serverDir = join(root, 'apps/server');
const mysqlUrl = (process.env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');
const dbName = `app_test_bench_${process.pid}`;
const children = [];

function start(args, env) {
  const child = spawn(process.execPath, args, { cwd: serverDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

async function waitFor(url) {
  for (let i = 0; i < 200; i += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not come up`);
}

function run(options) {
  return new Promise((resolve, reject) => autocannon({ duration: seconds, connections, ...options }, (err, result) => (err ? reject(err) : resolve(result))));
}

const admin = await createConnection({ uri: mysqlUrl });
await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
try {
  const databaseUrl = `${mysqlUrl}/${dbName}`;
  const mockPort = await freePort();
  const port = await freePort();
  const env = productionEnv({
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    WECHAT_API_BASE_URL: `http://127.0.0.1:${mockPort}`,
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '100000000',
  });
  start(['dist/wechat-mock.mjs', '--port', String(mockPort), '--app-id', env.WECHAT_APP_ID, '--app-secret', env.WECHAT_APP_SECRET, '--bench-code-prefix', 'bench-', '--login-limit', '100000000'], { NODE_ENV: 'development' });
  await waitFor(`http://127.0.0.1:${mockPort}/__dev/stats`);
  const migrate = start(['dist/migrate.mjs', 'up'], env);
  const [code] = await once(migrate, 'exit');
  if (code !== 0) throw new Error('migration failed');
  start(['dist/server.mjs'], env);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`);

  let counter = 0;
  const loginRequest = () => JSON.stringify({ json: { code: `bench-user${counter % 500}:${counter++}` } });
  const first = await (await fetch(`${base}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: loginRequest() })).json();
  const token = first.result.data.json.accessToken;

  // Warm-up, then the measured rounds.
  await run({ url: `${base}/trpc/user.me`, headers: { authorization: `Bearer ${token}` }, duration: 2 });
  const login = await run({
    url: `${base}/trpc/auth.login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: loginRequest() }) }],
  });
  const me = await run({ url: `${base}/trpc/user.me`, headers: { authorization: `Bearer ${token}` } });

  const row = (name, r) => `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} | ${r.errors} |`;
  console.log(`\n${seconds} s each, ${connections} connections, bundled server (NODE_ENV=production, LOG_LEVEL=warn), MariaDB, WeChat mock as its own process\n`);
  console.log('| procedure | req/s | p50 ms | p99 ms | non-2xx | errors |\n| --- | --- | --- | --- | --- | --- |');
  console.log(row('auth.login', login));
  console.log(row('user.me', me));
  console.log(`\nlogin/me throughput ratio: ${(login.requests.average / me.requests.average).toFixed(2)}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
}
