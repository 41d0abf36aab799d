// HTTP load on loopback against the bundled production server (NODE_ENV=production, LOG_LEVEL=info:
// one log line per request, as deployed), MariaDB, and the WeChat mock as its own process.
// Cases: health, user.me, a batch of three queries, auth.login, order.create, and user.me's work as a bare Fastify
// route (the reference); user.me also through tRPC's official adapter. Each case: req/s, p50/p99,
// and the server's CPU time per request (from /proc), medians of alternating rounds, ratios to the
// bare route, which only the benchmarks' own server carries (server-entry.ts). Then the target ratio,
// user.me over the lean host against the bare route, is measured a second way, paired: two processes
// of the same server share core 0, one loaded with user.me and the other with the bare route at the
// same time, then the roles swap. Whatever slows this machine down (it is a shared virtual machine,
// and the same case measured twice in a row differs by a third) then slows both sides alike; the
// median of the pairs' ratios is steady to a few per cent. Writes bench/out/http-load.json.
// Usage: node bench/http-load.mjs [--seconds 5] [--rounds 3] [--pairs 4] [--connections 50] [--threads 2]
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import superjson from 'superjson';
import { buildBenchServer } from './build-server.mjs';
import { cpuSeconds, freePort, median, numberArg as arg, pinning, productionEnv, runWrk, startNode, waitFor } from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log(
    'Usage: node bench/http-load.mjs [--seconds 5] [--rounds 3] [--pairs 4] [--connections 50] [--threads 2]\n(npm run build first; needs MariaDB and wrk: npm run setup)',
  );
  process.exit(0);
}
const seconds = arg('seconds', 5);
const rounds = arg('rounds', 3);
const pairedRounds = arg('pairs', 4);
const connections = arg('connections', 50);
const threads = arg('threads', 2);
const root = fileURLToPath(new URL('..', import.meta.url));
const serverDir = join(root, 'apps/server');
const outDir = join(root, 'bench/out');
const mysqlUrl = (process.env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');
const mockCli = fileURLToPath(import.meta.resolve('@app/wechat-mock/cli'));
const dbName = `app_test_bench_${process.pid}`;
const children = [];
const pin = pinning();

function start(args, env) {
  const child = startNode(args, { cwd: serverDir, env });
  children.push(child);
  return child;
}

function wrk(testCase, duration, load = { threads, connections }) {
  // A fresh run id for the Lua scripts keeps keys and codes of earlier runs from being presented again.
  return runWrk({ ...testCase, scriptArgs: [`${process.pid}x${Date.now().toString(36)}`] }, { seconds: duration, ...load });
}

/**
 * One pair: `meServer` answers user.me over tRPC and `bareServer` the bare route, both under load at
 * once (two wrk processes with half the connections each). CPU per request of each, and their ratio.
 */
async function pairedSample(meCase, bareCase, duration) {
  const half = { threads: 1, connections: Math.max(1, Math.floor(connections / 2)) };
  const before = [cpuSeconds(meCase.pid), cpuSeconds(bareCase.pid)];
  const [me, bare] = await Promise.all([wrk(meCase, duration, half), wrk(bareCase, duration, half)]);
  if (me.requests === 0 || bare.requests === 0) return null; // a wrk run that failed: no pair
  const meCpu = ((cpuSeconds(meCase.pid) - before[0]) / me.requests) * 1e6;
  const bareCpu = ((cpuSeconds(bareCase.pid) - before[1]) / bare.requests) * 1e6;
  return { cpuRatio: meCpu / bareCpu, rpsRatio: me.rps / bare.rps };
}

async function measure(testCase, duration) {
  const before = cpuSeconds(testCase.pid);
  const result = await wrk(testCase, duration);
  const cpu = cpuSeconds(testCase.pid) - before;
  return { ...result, cpuUsPerRequest: result.requests > 0 ? (cpu / result.requests) * 1e6 : NaN };
}

const admin = await createConnection({ uri: mysqlUrl });
await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
try {
  const mockPort = await freePort();
  const base = productionEnv({
    LOG_LEVEL: 'info',
    DATABASE_URL: `${mysqlUrl}/${dbName}`,
    WECHAT_API_BASE_URL: `http://127.0.0.1:${mockPort}`,
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '100000000',
    RATE_LIMIT_MUTATIONS_PER_USER_PER_MINUTE: '100000000',
  });
  const benchServer = await buildBenchServer();
  start(
    [
      '--import',
      'tsx',
      mockCli,
      '--port',
      String(mockPort),
      '--app-id',
      base.WECHAT_APP_ID,
      '--app-secret',
      base.WECHAT_APP_SECRET,
      '--bench-code-prefix',
      'bench-',
      '--login-limit',
      '100000000',
    ],
    {
      NODE_ENV: 'development',
    },
  );
  await waitFor(`http://127.0.0.1:${mockPort}/__dev/stats`);
  const migrate = start(['dist/migrate.mjs', 'up'], base);
  if ((await once(migrate, 'exit'))[0] !== 0) throw new Error('migration failed');
  // The product order.create buys: stock no run can exhaust, so every order is a full one.
  const [product] = await admin.query(
    `INSERT INTO \`${dbName}\`.products (title, description, price_fen, stock, image_url, on_shelf, created_at, updated_at) VALUES ('压测商品', '', 1990, 2000000000, NULL, 1, NOW(3), NOW(3))`,
  );
  process.env.BENCH_PRODUCT_ID = String(product.insertId);

  const servers = {};
  // `partner`: a second process of the lean server, for the paired measurement.
  for (const [name, host] of [
    ['lean', 'lean'],
    ['official', 'official'],
    ['partner', 'lean'],
  ]) {
    const port = await freePort();
    const child = start([benchServer], { ...base, PORT: String(port), TRPC_HOST: host });
    servers[name] = { url: `http://127.0.0.1:${port}`, pid: child.pid };
    await waitFor(`${servers[name].url}/healthz`);
  }

  // One signed-in user, as the app would be.
  const login = await fetch(`${servers.lean.url}/trpc/auth.login?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 0: superjson.serialize({ code: 'bench-reader:0' }) }),
  });
  const token = (await login.json())[0].result.data.json.accessToken;
  const auth = { authorization: `Bearer ${token}` };
  const noInput = (count) =>
    encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [i, superjson.serialize(undefined)]))));

  const cases = [
    { name: 'bare Fastify route (user.me work)', key: 'bare', ...servers.lean, url: `${servers.lean.url}/bench/user-me`, headers: auth },
    {
      name: 'user.me (lean tRPC host)',
      key: 'me',
      ...servers.lean,
      url: `${servers.lean.url}/trpc/user.me?batch=1&input=${noInput(1)}`,
      headers: auth,
    },
    {
      name: 'user.me (official adapter)',
      key: 'meOfficial',
      ...servers.official,
      url: `${servers.official.url}/trpc/user.me?batch=1&input=${noInput(1)}`,
      headers: auth,
    },
    { name: 'health', key: 'health', ...servers.lean, url: `${servers.lean.url}/trpc/health?batch=1&input=${noInput(1)}` },
    {
      name: 'batch: user.me,health,user.me',
      key: 'batch',
      ...servers.lean,
      url: `${servers.lean.url}/trpc/user.me,health,user.me?batch=1&input=${noInput(3)}`,
      headers: auth,
    },
    {
      name: 'auth.login (WeChat mock + sign-in writes)',
      key: 'login',
      ...servers.lean,
      url: `${servers.lean.url}/trpc/auth.login?batch=1`,
      script: join(root, 'bench/login.lua'),
    },
    {
      name: 'order.create (stock reserved, 4 writes in a transaction)',
      key: 'order',
      ...servers.lean,
      url: `${servers.lean.url}/trpc/order.create?batch=1`,
      headers: auth,
      script: join(root, 'bench/order.lua'),
    },
  ];

  process.stderr.write('warming up…\n');
  for (const testCase of cases) await measure(testCase, 2);
  const samples = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const testCase of cases) {
      const sample = await measure(testCase, seconds);
      samples[testCase.key].push(sample);
      process.stderr.write(
        `round ${round}/${rounds} ${testCase.name}: ${sample.rps.toFixed(0)} req/s, ${sample.cpuUsPerRequest.toFixed(0)} µs CPU/req\n`,
      );
    }
  }

  // Paired: user.me on one process while the bare route runs on the other, then the roles swap.
  const onProcess = (server, key) => ({
    ...cases.find((c) => c.key === key),
    pid: server.pid,
    url: cases.find((c) => c.key === key).url.replace(servers.lean.url, server.url),
  });
  const pairs = [];
  for (let round = 1; round <= pairedRounds; round += 1) {
    for (const [meServer, bareServer] of [
      [servers.lean, servers.partner],
      [servers.partner, servers.lean],
    ]) {
      const pair = await pairedSample(onProcess(meServer, 'me'), onProcess(bareServer, 'bare'), seconds);
      if (pair === null) continue;
      pairs.push(pair);
      process.stderr.write(
        `pair ${pairs.length}/${pairedRounds * 2}: user.me CPU ${pair.cpuRatio.toFixed(2)}× the bare route's, req/s ${pair.rpsRatio.toFixed(2)}×\n`,
      );
    }
  }
  const paired = {
    pairs: pairs.length,
    cpuRatio: median(pairs.map((p) => p.cpuRatio)),
    rpsRatio: median(pairs.map((p) => p.rpsRatio)),
    samples: pairs,
  };

  const summary = cases.map((testCase) => {
    const runs = samples[testCase.key];
    const pick = (field) => median(runs.map((r) => r[field]));
    return {
      key: testCase.key,
      name: testCase.name,
      rps: pick('rps'),
      p50Ms: pick('p50'),
      p99Ms: pick('p99'),
      cpuUsPerRequest: pick('cpuUsPerRequest'),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      socketErrors: runs.map((r) => r.socketErrors).filter(Boolean),
    };
  });
  const bare = summary.find((row) => row.key === 'bare');
  for (const row of summary) {
    row.rpsRatio = row.rps / bare.rps;
    row.cpuRatio = row.cpuUsPerRequest / bare.cpuUsPerRequest;
  }
  const result = { seconds, rounds, connections, threads, tool: 'wrk', pinned: pin, cases: summary, paired };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'http-load.json'), `${JSON.stringify(result, null, 2)}\n`);

  console.log(`\n${rounds} alternating rounds of ${seconds} s, wrk -t${threads} -c${connections}, medians\n`);
  console.log('| case | req/s | p50 ms | p99 ms | server CPU µs/req | req/s vs bare | CPU vs bare | non-2xx |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of summary) {
    console.log(
      `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.cpuUsPerRequest.toFixed(0)} | ${row.rpsRatio.toFixed(2)}× | ${row.cpuRatio.toFixed(2)}× | ${row.non2xx} |`,
    );
  }
  console.log(
    `\npaired (${paired.pairs} simultaneous pairs): user.me over the lean host costs ${paired.cpuRatio.toFixed(2)}× the bare route's CPU per request, ${paired.rpsRatio.toFixed(2)}× its req/s`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : null)));
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
}
