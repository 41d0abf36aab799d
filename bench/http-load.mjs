// HTTP load on loopback against the bundled production server (NODE_ENV=production, LOG_LEVEL=info:
// one log line per request, as deployed), MariaDB, and the WeChat mock as its own process.
// Cases: user.me's work done by a Go/Gin server (bench/gin, when Go is installed), by the least a
// Node process can do (the floor, bench/floor-server.mjs), as a bare Fastify route in the server
// (which only the benchmarks' own server carries, server-entry.ts), and as user.me through the lean
// tRPC host; user.me also through tRPC's official adapter; health, a batch of three queries,
// auth.login, order.create. Each case: req/s, p50/p99, and the server's CPU time per request (from
// /proc), medians of alternating rounds, ratios to the bare route and to Gin. Then the ratios that
// matter are measured a second way, paired: two server processes share core 0, both under load at
// the same time (user.me on one, the bare route, Gin or the floor on the other), so whatever slows
// this machine (a shared virtual machine: the same case measured twice in a row differs by a third)
// slows both sides alike; the median of the pairs' ratios is steady to a few per cent. Then the
// resident memory of a fresh server after 60 s of user.me. Writes bench/out/http-load.json.
// `--soak <seconds>` instead: one fresh server under steady user.me load for that long, its
// resident memory every 10 s (bench/out/soak.json): growth would be a leak. A bench mode, not CI.
// Usage: node bench/http-load.mjs [--seconds 5] [--rounds 3] [--pairs 4] [--connections 50] [--threads 2] [--rss-seconds 60]
//        node bench/http-load.mjs --soak 600
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import superjson from 'superjson';
import { buildBenchServer } from './build-server.mjs';
import { buildGoReference, GO_HINT } from './go-reference.mjs';
import {
  cpuSeconds,
  freePort,
  median,
  memoryOf,
  numberArg as arg,
  pinning,
  productionEnv,
  runWrk,
  seedSignedInUser,
  startNode,
  waitFor,
} from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log(
    [
      'Usage: node bench/http-load.mjs [--seconds 5] [--rounds 3] [--pairs 4] [--connections 50] [--threads 2] [--rss-seconds 60]',
      '       node bench/http-load.mjs --soak <seconds>   (one server under steady user.me load, its memory every 10 s)',
      '(npm run build first; needs MariaDB and wrk: npm run setup)',
      `Optional: ${GO_HINT}; without it the Gin reference is skipped.`,
    ].join('\n'),
  );
  process.exit(0);
}
const seconds = arg('seconds', 5);
const rounds = arg('rounds', 3);
const pairedRounds = arg('pairs', 4);
const connections = arg('connections', 50);
const threads = arg('threads', 2);
const rssSeconds = arg('rss-seconds', 60);
const soakSeconds = arg('soak', 0);
const root = fileURLToPath(new URL('..', import.meta.url));
const serverDir = join(root, 'apps/server');
const outDir = join(root, 'bench/out');
const mysqlUrl = (process.env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');
const mockCli = fileURLToPath(import.meta.resolve('@app/wechat-mock/cli'));
const dbName = `app_test_bench_${process.pid}`;
const children = [];
const pin = pinning();

function start(args, env, command) {
  const child = startNode(args, { cwd: serverDir, env, command });
  children.push(child);
  return child;
}

function wrk(testCase, duration, load = { threads, connections }) {
  // A fresh run id for the Lua scripts keeps keys and codes of earlier runs from being presented again.
  return runWrk({ ...testCase, scriptArgs: [`${process.pid}x${Date.now().toString(36)}`] }, { seconds: duration, ...load });
}

/**
 * One pair: case `a` and case `b` (each on its own process) under load at once, two wrk processes
 * with half the connections each. CPU per request of each, and their ratios.
 */
async function pairedSample(a, b, duration) {
  const half = { threads: 1, connections: Math.max(1, Math.floor(connections / 2)) };
  const before = [cpuSeconds(a.pid), cpuSeconds(b.pid)];
  const [resultA, resultB] = await Promise.all([wrk(a, duration, half), wrk(b, duration, half)]);
  if (resultA.failed || resultB.failed || resultA.requests === 0 || resultB.requests === 0) return null; // a wrk run that failed: no pair
  const cpuA = ((cpuSeconds(a.pid) - before[0]) / resultA.requests) * 1e6;
  const cpuB = ((cpuSeconds(b.pid) - before[1]) / resultB.requests) * 1e6;
  return { cpuRatio: cpuA / cpuB, rpsRatio: resultA.rps / resultB.rps, cpuA, cpuB, rps: resultA.rps + resultB.rps };
}

async function measure(testCase, duration) {
  // A wrk run that failed (no report) is run again, twice at most, and said so.
  for (let attempt = 1; ; attempt += 1) {
    const before = cpuSeconds(testCase.pid);
    const result = await wrk(testCase, duration);
    const cpu = cpuSeconds(testCase.pid) - before;
    if (result.failed === null || attempt === 3) {
      return { ...result, cpuUsPerRequest: result.requests > 0 ? (cpu / result.requests) * 1e6 : NaN };
    }
    process.stderr.write(`${testCase.name}: ${result.failed}; again\n`);
  }
}

/** A body, or the reason there is none. */
async function bodyOf(url, headers) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${text}`);
  return text;
}

/** Steady user.me load on one fresh server for `duration` s, its memory every 10 s. */
async function soak(server, meCase, duration) {
  const samples = [];
  const started = Date.now();
  const sample = () => {
    const { rssMiB, peakMiB } = memoryOf(server.pid);
    samples.push({ seconds: Math.round((Date.now() - started) / 1000), rssMiB, peakMiB, cpuSeconds: cpuSeconds(server.pid) });
    process.stderr.write(`\rsoak ${samples.at(-1).seconds}/${duration} s: RSS ${rssMiB.toFixed(1)} MiB   `);
  };
  sample();
  const timer = setInterval(sample, 10_000);
  const result = await wrk({ ...meCase, pid: server.pid }, duration);
  clearInterval(timer);
  sample();
  process.stderr.write('\n');
  // Growth after the first minute (start-up, JIT and pools settled by then): a least-squares slope.
  const settled = samples.filter((s) => s.seconds >= 60);
  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const mx = mean(settled.map((s) => s.seconds));
  const my = mean(settled.map((s) => s.rssMiB));
  const slope =
    settled.reduce((sum, s) => sum + (s.seconds - mx) * (s.rssMiB - my), 0) / settled.reduce((sum, s) => sum + (s.seconds - mx) ** 2, 0);
  return {
    seconds: duration,
    connections,
    requests: result.requests,
    rps: result.rps,
    non2xx: result.non2xx,
    samples,
    rssAt60MiB: settled[0]?.rssMiB ?? NaN,
    rssEndMiB: samples.at(-1).rssMiB,
    rssMaxAfter60MiB: Math.max(...settled.map((s) => s.rssMiB)),
    slopeMiBPer10Min: slope * 600,
  };
}

const admin = await createConnection({ uri: mysqlUrl, timezone: 'Z' });
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
  const go = buildGoReference();
  process.stderr.write(
    go.skipped ? `Gin reference skipped: ${go.skipped}\n` : `Gin reference ${go.reused ? 'reused' : 'built'}: ${go.binary}\n`,
  );
  const mock = start(
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
  await waitFor(`http://127.0.0.1:${mockPort}/__dev/stats`, mock);
  const migrate = start(['dist/migrate.mjs', 'up'], base);
  if ((await once(migrate, 'exit'))[0] !== 0) throw new Error('migration failed');
  // The product order.create buys: stock no run can exhaust, so every order is a full one.
  const [product] = await admin.query(
    `INSERT INTO \`${dbName}\`.products (title, description, price_fen, stock, image_url, on_shelf, created_at, updated_at) VALUES ('压测商品', '', 1990, 2000000000, NULL, 1, NOW(3), NOW(3))`,
  );
  process.env.BENCH_PRODUCT_ID = String(product.insertId);
  // One signed-in user, as the app would be, with a phone to mask.
  const { token } = await seedSignedInUser(admin, dbName, base.JWT_SECRET);
  const auth = { authorization: `Bearer ${token}` };

  const servers = {};
  const launch = async (name, args, env, command) => {
    const port = await freePort();
    const child = start(args, { ...env, PORT: String(port) }, command);
    servers[name] = { url: `http://127.0.0.1:${port}`, pid: child.pid };
    await waitFor(`${servers[name].url}/healthz`, child);
  };
  // `partner`: a second process of the lean server, for the paired measurement; `fresh`: one that
  // serves nothing until its memory is measured after a minute of load. A soak needs one server.
  const leanServers =
    soakSeconds > 0
      ? [['lean', 'lean']]
      : [
          ['lean', 'lean'],
          ['official', 'official'],
          ['partner', 'lean'],
          ['fresh', 'lean'],
        ];
  for (const [name, host] of leanServers) await launch(name, [benchServer], { ...base, TRPC_HOST: host });
  const noInput = (count) =>
    encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [i, superjson.serialize(undefined)]))));
  const meUrl = (server) => `${server.url}/trpc/user.me?batch=1&input=${noInput(1)}`;

  if (soakSeconds > 0) {
    const soaked = {
      ...(await soak(servers.lean, { url: meUrl(servers.lean), headers: auth }, soakSeconds)),
      server: 'bundled server (lean tRPC host), user.me',
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'soak.json'), `${JSON.stringify(soaked, null, 2)}\n`);
    console.log(
      `soak, ${soakSeconds} s of user.me at ${soaked.rps.toFixed(0)} req/s (${soaked.non2xx} non-2xx): RSS ${soaked.rssAt60MiB.toFixed(1)} MiB at 60 s, ` +
        `${soaked.rssEndMiB.toFixed(1)} MiB at the end, at most ${soaked.rssMaxAfter60MiB.toFixed(1)} MiB after the first minute; ` +
        `trend after the first minute ${soaked.slopeMiBPer10Min >= 0 ? '+' : ''}${soaked.slopeMiBPer10Min.toFixed(1)} MiB per 10 min`,
    );
  } else {
    await launch('floor', [join(root, 'bench/floor-server.mjs')], base);
    if (!go.skipped) await launch('gin', [], base, go.binary);

    // The references answer what the bare route answers, byte for byte, and user.me the same data.
    const bareBody = await bodyOf(`${servers.lean.url}/bench/user-me`, auth);
    for (const name of ['floor', ...(go.skipped ? [] : ['gin'])]) {
      const body = await bodyOf(`${servers[name].url}/bench/user-me`, auth);
      if (body !== bareBody) throw new Error(`${name} answers ${body}, the bare route ${bareBody}`);
    }
    const meData = superjson.deserialize(JSON.parse(await bodyOf(meUrl(servers.lean), auth))[0].result.data);
    if (JSON.stringify(meData) !== bareBody) throw new Error(`user.me answers ${JSON.stringify(meData)}, the bare route ${bareBody}`);
    process.stderr.write(`every reference answers ${bareBody}\n`);

    const cases = [
      ...(go.skipped
        ? []
        : [{ name: 'Go/Gin (user.me work)', key: 'gin', ...servers.gin, url: `${servers.gin.url}/bench/user-me`, headers: auth }]),
      {
        name: 'floor: node:http + mysql2 + createHmac (user.me work)',
        key: 'floor',
        ...servers.floor,
        url: `${servers.floor.url}/bench/user-me`,
        headers: auth,
      },
      { name: 'bare Fastify route (user.me work)', key: 'bare', ...servers.lean, url: `${servers.lean.url}/bench/user-me`, headers: auth },
      { name: 'user.me (lean tRPC host)', key: 'me', ...servers.lean, url: meUrl(servers.lean), headers: auth },
      { name: 'user.me (official adapter)', key: 'meOfficial', ...servers.official, url: meUrl(servers.official), headers: auth },
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

    const caseOf = (key) => cases.find((c) => c.key === key);
    const onProcess = (server, key) => ({ ...caseOf(key), pid: server.pid, url: caseOf(key).url.replace(servers.lean.url, server.url) });
    // The partner served nothing yet: warmed like the others, so that no pair meets a cold JIT.
    for (const key of ['me', 'bare']) await measure(onProcess(servers.partner, key), 2);

    // Paired: user.me on one process while the other serves the reference, at the same time. Against
    // the bare route the two processes are the same server, so the roles swap every other pair.
    const comparisons = [
      {
        key: 'bare',
        against: 'the bare route',
        sides: [
          [onProcess(servers.lean, 'me'), onProcess(servers.partner, 'bare')],
          [onProcess(servers.partner, 'me'), onProcess(servers.lean, 'bare')],
        ],
      },
      ...(go.skipped ? [] : [{ key: 'gin', against: 'Gin', sides: [[caseOf('me'), caseOf('gin')]] }]),
      { key: 'floor', against: 'the floor', sides: [[caseOf('me'), caseOf('floor')]] },
    ];
    const paired = {};
    for (const comparison of comparisons) {
      const pairs = [];
      for (let round = 1; round <= pairedRounds * 2; round += 1) {
        const [a, b] = comparison.sides[(round - 1) % comparison.sides.length];
        const pair = await pairedSample(a, b, seconds);
        if (pair === null) continue;
        pairs.push(pair);
        process.stderr.write(
          `pair ${pairs.length}/${pairedRounds * 2}: user.me CPU ${pair.cpuRatio.toFixed(2)}× ${comparison.against}'s (${pair.cpuA.toFixed(0)} vs ${pair.cpuB.toFixed(0)} µs), req/s ${pair.rpsRatio.toFixed(2)}×\n`,
        );
      }
      // A pair in which the machine starved both sides (other work took the core or the database:
      // under half the pairs' median throughput) measures mostly idle overhead: left out, and counted.
      const typical = median(pairs.map((p) => p.rps));
      const kept = pairs.filter((p) => p.rps >= typical / 2);
      paired[comparison.key] = {
        against: comparison.against,
        pairs: kept.length,
        starved: pairs.length - kept.length,
        cpuRatio: median(kept.map((p) => p.cpuRatio)),
        rpsRatio: median(kept.map((p) => p.rpsRatio)),
        cpuRange: [Math.min(...kept.map((p) => p.cpuRatio)), Math.max(...kept.map((p) => p.cpuRatio))],
        samples: kept,
      };
    }

    // Memory: a server that served nothing before, after a minute of user.me.
    const idle = memoryOf(servers.fresh.pid);
    let loaded = await wrk({ url: meUrl(servers.fresh), headers: auth }, rssSeconds);
    // A wrk that failed (no report) gave no minute of load: once more.
    if (loaded.failed) loaded = await wrk({ url: meUrl(servers.fresh), headers: auth }, rssSeconds);
    const memory = {
      seconds: rssSeconds,
      rps: loaded.rps,
      idleRssMiB: idle.rssMiB,
      ...memoryOf(servers.fresh.pid),
      // The references, after all their rounds of this run (for scale; they were not loaded a minute on end).
      references: Object.fromEntries(['floor', ...(go.skipped ? [] : ['gin'])].map((name) => [name, memoryOf(servers[name].pid).rssMiB])),
    };
    process.stderr.write(`RSS after ${rssSeconds} s of user.me: ${memory.rssMiB.toFixed(1)} MiB (idle ${idle.rssMiB.toFixed(1)} MiB)\n`);

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
    const row = (key) => summary.find((r) => r.key === key);
    for (const r of summary) {
      r.rpsRatio = r.rps / row('bare').rps;
      r.cpuRatio = r.cpuUsPerRequest / row('bare').cpuUsPerRequest;
      r.cpuVsGin = go.skipped ? null : r.cpuUsPerRequest / row('gin').cpuUsPerRequest;
    }
    const result = {
      seconds,
      rounds,
      connections,
      threads,
      tool: 'wrk',
      pinned: pin,
      gin: go.skipped ? { skipped: go.skipped } : { reused: go.reused, goVersion: go.goVersion },
      body: bareBody,
      cases: summary,
      // Kept under its old name too: user.me against the bare route.
      paired: paired.bare,
      pairedAgainst: paired,
      loginVsMe: row('login').rps / row('me').rps,
      memory,
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'http-load.json'), `${JSON.stringify(result, null, 2)}\n`);

    console.log(`\n${rounds} alternating rounds of ${seconds} s, wrk -t${threads} -c${connections}, medians\n`);
    console.log('| case | req/s | p50 ms | p99 ms | server CPU µs/req | CPU vs Gin | req/s vs bare | CPU vs bare | non-2xx |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of summary) {
      console.log(
        `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.cpuUsPerRequest.toFixed(0)} | ${r.cpuVsGin === null ? '–' : `${r.cpuVsGin.toFixed(2)}×`} | ${r.rpsRatio.toFixed(2)}× | ${r.cpuRatio.toFixed(2)}× | ${r.non2xx} |`,
      );
    }
    console.log('');
    for (const p of Object.values(paired)) {
      console.log(
        `paired (${p.pairs} simultaneous pairs${p.starved ? `, ${p.starved} starved left out` : ''}): user.me over the lean host costs ${p.cpuRatio.toFixed(2)}× ${p.against}'s CPU per request (pairs ${p.cpuRange[0].toFixed(2)}–${p.cpuRange[1].toFixed(2)}×), ${p.rpsRatio.toFixed(2)}× its req/s`,
      );
    }
    console.log(`auth.login: ${result.loginVsMe.toFixed(2)}× user.me's req/s`);
    console.log(
      `RSS after ${rssSeconds} s of user.me: ${memory.rssMiB.toFixed(1)} MiB (peak ${memory.peakMiB.toFixed(1)}, idle ${memory.idleRssMiB.toFixed(1)})`,
    );
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : null)));
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
}
