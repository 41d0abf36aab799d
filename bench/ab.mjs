// Two builds of the server compared paired, for deciding whether a change pays on this noisy
// machine: the same measurement run on both at the same time, so the machine's drift cancels.
//   --mode load (default): both servers (bench-server bundles, `node bench/build-server.mjs <file>`)
//     on core 0, loaded at once by two wrk processes with half the connections each; per pair, each
//     one's CPU per request; the median of B/A over the pairs.
//   --mode cold: spawn → first authenticated user.me 200 on MariaDB, A and B alternating (entries
//     such as a copy of apps/server/dist/main.mjs with its compile cache); medians and B/A.
// LOG_LEVEL=info, MariaDB, a seeded signed-in user, no WeChat mock (user.me and the bare route need none).
// Usage: node bench/ab.mjs --a <entry.mjs> --b <entry.mjs> [--mode load|cold] [--path me|bare|login]
//          [--pairs 8] [--seconds 5] [--connections 50] [--rounds 15] [--a-node "<node flags>"] [--b-node "<node flags>"] [--a-env NAME=value] [--b-env NAME=value]
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import superjson from 'superjson';
import {
  coldStart,
  cpuSeconds,
  freePort,
  median,
  numberArg,
  pristineCompileCache,
  productionEnv,
  runWrk,
  seedSignedInUser,
  startNode,
  waitFor,
} from './lib.mjs';

const stringArg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
if (process.argv.includes('--help') || !stringArg('a') || !stringArg('b')) {
  console.log(
    'Usage: node bench/ab.mjs --a <entry.mjs> --b <entry.mjs> [--mode load|cold] [--path me|bare|login] [--pairs 8] [--seconds 5] [--connections 50] [--rounds 15] [--a-node "<flags>"] [--b-node "<flags>"] [--a-env NAME=value] [--b-env NAME=value]',
  );
  process.exit(process.argv.includes('--help') ? 0 : 2);
}
const mode = stringArg('mode', 'load');
const which = stringArg('path', 'me');
const pairs = numberArg('pairs', 8);
const seconds = numberArg('seconds', 5);
const connections = numberArg('connections', 50);
const rounds = numberArg('rounds', 15);
const root = fileURLToPath(new URL('..', import.meta.url));
const serverDir = join(root, 'apps/server');
const sides = ['a', 'b'].map((side) => ({
  side,
  entry: resolve(stringArg(side)),
  nodeArgs: (stringArg(`${side}-node`, '') ?? '').split(' ').filter(Boolean),
  // --a-env/--b-env NAME=value: one more variable for that side (e.g. FLOOR_STATEMENT=execute).
  env: Object.fromEntries([stringArg(`${side}-env`, '')].filter(Boolean).map((pair) => pair.split(/=(.*)/s).slice(0, 2))),
}));
const mysqlUrl = (process.env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');
const dbName = `app_test_bench_ab_${process.pid}`;
const mePath = `/trpc/user.me?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: superjson.serialize(undefined) }))}`;
const path = { bare: '/bench/user-me', login: '/trpc/auth.login?batch=1' }[which] ?? mePath;
// auth.login: every request a fresh code (login.lua), redeemed by the WeChat mock, as in http-load.mjs.
const script = which === 'login' ? join(fileURLToPath(new URL('.', import.meta.url)), 'login.lua') : undefined;
const runId = () => [`${process.pid}x${Date.now().toString(36)}`];

const admin = await createConnection({ uri: mysqlUrl, timezone: 'Z' });
await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
const children = [];
try {
  const mockPort = await freePort();
  const env = productionEnv({
    LOG_LEVEL: 'info',
    DATABASE_URL: `${mysqlUrl}/${dbName}`,
    WECHAT_API_BASE_URL: `http://127.0.0.1:${mockPort}`,
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '100000000',
  });
  if (which === 'login') {
    const mockCli = fileURLToPath(import.meta.resolve('@app/wechat-mock/cli'));
    const mockArgs = ['--port', String(mockPort), '--app-id', env.WECHAT_APP_ID, '--app-secret', env.WECHAT_APP_SECRET];
    const mock = startNode(['--import', 'tsx', mockCli, ...mockArgs, '--bench-code-prefix', 'bench-', '--login-limit', '100000000'], {
      cwd: serverDir,
      env: { NODE_ENV: 'development' },
    });
    children.push(mock);
    await waitFor(`http://127.0.0.1:${mockPort}/__dev/stats`, mock);
  }
  const migrate = startNode(['dist/migrate.mjs', 'up'], { cwd: serverDir, env });
  if ((await once(migrate, 'exit'))[0] !== 0) throw new Error('migration failed');
  const { token } = await seedSignedInUser(admin, dbName, env.JWT_SECRET);
  const headers = { authorization: `Bearer ${token}` };

  if (mode === 'cold') {
    // Each start from its build's compile cache as built (lib.mjs, pristineCompileCache).
    const caches = Object.fromEntries(sides.map((s) => [s.side, pristineCompileCache(dirname(s.entry))]));
    const samples = { a: [], b: [] };
    for (let round = 1; round <= rounds; round += 1) {
      // Alternating which goes first, so that neither always follows the other.
      for (const s of round % 2 ? sides : [...sides].reverse()) {
        caches[s.side].restore();
        samples[s.side].push(await coldStart([...s.nodeArgs, s.entry], { cwd: serverDir, env: { ...env, ...s.env }, path, headers }));
      }
      process.stderr.write(`\rround ${round}/${rounds}: A ${samples.a.at(-1).toFixed(1)} ms, B ${samples.b.at(-1).toFixed(1)} ms   `);
    }
    for (const cache of Object.values(caches)) {
      cache.restore();
      cache.dispose();
    }
    const a = median(samples.a);
    const b = median(samples.b);
    console.log(
      `\ncold start to the first user.me 200, median of ${rounds} alternating rounds: A ${a.toFixed(1)} ms, B ${b.toFixed(1)} ms, B/A ${(b / a).toFixed(3)}`,
    );
  } else {
    const servers = [];
    for (const s of sides) {
      const port = await freePort();
      const child = startNode([...s.nodeArgs, s.entry], { cwd: serverDir, env: { ...env, ...s.env, PORT: String(port) } });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${url}/healthz`, child);
      servers.push({ ...s, pid: child.pid, url: `${url}${path}` });
    }
    const half = { threads: 1, connections: Math.max(1, Math.floor(connections / 2)) };
    // Warm-up: the JIT and the pools of both.
    await Promise.all(servers.map((server) => runWrk({ url: server.url, headers, script, scriptArgs: runId() }, { seconds: 3, ...half })));
    const samples = [];
    for (let pair = 1; pair <= pairs; pair += 1) {
      const before = servers.map((server) => cpuSeconds(server.pid));
      const results = await Promise.all(
        servers.map((server) => runWrk({ url: server.url, headers, script, scriptArgs: runId() }, { seconds, ...half })),
      );
      // Errors (a database so starved that requests time out): no pair, said so.
      if (results.some((r) => r.failed || r.requests === 0 || r.non2xx > 0)) {
        process.stderr.write(`pair ${pair}/${pairs}: left out, a run failed: ${JSON.stringify(results)}\n`);
        continue;
      }
      const [a, b] = servers.map((server, i) => ((cpuSeconds(server.pid) - before[i]) / results[i].requests) * 1e6);
      samples.push({ a, b, rps: results[0].rps + results[1].rps });
      process.stderr.write(
        `pair ${pair}/${pairs}: A ${a.toFixed(1)} µs/req (${results[0].rps.toFixed(0)} req/s), B ${b.toFixed(1)} µs/req (${results[1].rps.toFixed(0)} req/s), B/A ${(b / a).toFixed(3)}\n`,
      );
    }
    // A pair in which the machine starved both (other work took the core or the database: under half
    // the pairs' median throughput) measures mostly idle overhead; such pairs are left out.
    const typical = median(samples.map((s) => s.rps));
    const kept = samples.filter((s) => s.rps >= typical / 2);
    const ratios = kept.map((s) => s.b / s.a);
    console.log(
      `${{ bare: 'bare route', login: 'auth.login' }[which] ?? 'user.me'}, ${kept.length} of ${pairs} pairs of ${seconds} s (${pairs - kept.length} failed or starved left out): ` +
        `CPU per request A ${median(kept.map((s) => s.a)).toFixed(1)} µs, B ${median(kept.map((s) => s.b)).toFixed(1)} µs; ` +
        `B/A median ${median(ratios).toFixed(3)} (pairs ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`,
    );
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : null)));
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
}
