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
// slows both sides alike; the median of the pairs' ratios is steady to a few per cent. Each server
// has a CPU group of its own where the machine allows (lib.mjs, cpuGroups), so that the two of a pair
// get half the core each, Gin's several runtime threads included; each pair's share is reported. Then where
// user.me's CPU over the bare route's goes, paired step by step (server-entry.ts's step routes),
// and the resident memory of a fresh server after 60 s of user.me. Writes bench/out/http-load.json.
// `--soak <seconds>` instead: one fresh server under steady user.me load for that long, its
// resident memory every 10 s with its parts (/proc: V8's heap pages and the rest; /bench/memory: V8's own figures), and each one's
// trend (bench/out/soak.json): growth would be a leak, and says where it is. A bench mode, not CI.
// Usage: node bench/http-load.mjs [--seconds 5] [--rounds 3] [--pairs 4] [--connections 50] [--threads 2] [--rss-seconds 60]
//        node bench/http-load.mjs --soak 600 [--server-env NAME=VALUE ...]
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import superjson from 'superjson';
import { buildBenchServer } from './build-server.mjs';
import { buildGoReference, GO_HINT } from './go-reference.mjs';
import {
  benchDatabase,
  comparePaired,
  cpuGroups,
  cpuSeconds,
  finite,
  loadArgs,
  LOGIN_TARGET,
  ME_PATH,
  memoryOf,
  migrate,
  numberArg as arg,
  pinning,
  processGroup,
  rangeText,
  retryingWrk,
  ROOT,
  runWrk,
  seedSignedInUser,
  serverEnvironment,
  signed,
  startServer,
  stepsProduct,
  summarize,
  trendsText,
  trpcQueryPath,
  v8PagesOf,
  writeOutput,
} from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log(
    [
      'Usage: node bench/http-load.mjs [--seconds 5] [--rounds 3] [--pairs 4] [--connections 50] [--threads 2] [--rss-seconds 60]',
      '       node bench/http-load.mjs --soak <seconds>   (one server under steady user.me load, its memory every 10 s)',
      "         [--server-env NAME=VALUE ...]   (set in the soaked server's environment: another allocator, say)",
      '(npm run build first; needs MariaDB and wrk: npm run setup)',
      `Optional: ${GO_HINT}; without it the Gin reference is skipped.`,
    ].join('\n'),
  );
  process.exit(0);
}
const { seconds, rounds, connections, threads } = loadArgs();
const pairedRounds = arg('pairs', 4);
const rssSeconds = arg('rss-seconds', 60);
const soakSeconds = arg('soak', 0);
// `--server-env NAME=VALUE`, as often as needed: set in the soaked server's environment, to compare
// what its memory does under another allocator's settings (MALLOC_ARENA_MAX=2) or another
// allocator (LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2).
const soakServerEnv = Object.fromEntries(
  process.argv.flatMap((value, i) => {
    if (value !== '--server-env') return [];
    const setting = process.argv[i + 1] ?? '';
    if (!/^[A-Za-z_]\w*=/.test(setting)) throw new Error(`--server-env takes NAME=VALUE, not "${setting}"`);
    return [setting.split(/=(.*)/s, 2)];
  }),
);
if (Object.keys(soakServerEnv).length > 0 && !(soakSeconds > 0)) throw new Error('--server-env is for a soak (--soak <seconds>)');
const processes = processGroup();
const pin = pinning();

/**
 * The steps between the bare route and user.me (bench/server-entry.ts): its work answered as the
 * lean host writes user.me's answer, then with user.me's output validation too.
 */
const HOST_STEPS = [
  { key: 'text', path: '/bench/user-me/text' },
  { key: 'validated', path: '/bench/user-me/validated' },
];

// A wrk run that failed (no report) is run again, twice at most, and said so (lib.mjs, retryingWrk).
const measure = (testCase, duration) => retryingWrk(testCase.name, () => runWrk(testCase, { seconds: duration, threads, connections }));

/**
 * Load of 2 s until the case's CPU per request settles: the last three runs within 5 % of each
 * other (at least 4 runs, at most 12). V8 keeps optimizing a path for 15-20 s of load (auth.login's
 * CPU per request fell from ~750 to ~400 µs over its first 20 s), and a fixed short warm-up
 * measured the rounds of the longer paths before their code was optimized; two runs alike were not
 * enough either (auth.login was called steady at 504 µs after 6 s, and its rounds then measured
 * 606, 399 and 413 µs). Answers the seconds it took.
 */
async function warmUntilSteady(testCase) {
  const runs = [];
  for (;;) {
    const { cpuUsPerRequest } = await measure(testCase, WARM_UP_SECONDS);
    runs.push(cpuUsPerRequest);
    const lastThree = runs.slice(-3);
    const steady = runs.length >= 4 && Math.max(...lastThree) <= 1.05 * Math.min(...lastThree);
    if (steady || runs.length === 12) {
      process.stderr.write(
        `warmed ${testCase.name}: ${runs.length * WARM_UP_SECONDS} s${steady ? '' : ' (not yet steady)'}, ${cpuUsPerRequest.toFixed(0)} µs CPU/req\n`,
      );
      return runs.length * WARM_UP_SECONDS;
    }
  }
}
const WARM_UP_SECONDS = 2;

/** A body, or the reason there is none. */
async function bodyOf(url, headers) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${text}`);
  return text;
}

const MiB = 1024 * 1024;

/** Least-squares slope of `value` over `seconds`, in MiB per 10 minutes. */
function trendPer10Min(samples, value) {
  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const mx = mean(samples.map((s) => s.seconds));
  const my = mean(samples.map(value));
  const slope =
    samples.reduce((sum, s) => sum + (s.seconds - mx) * (value(s) - my), 0) / samples.reduce((sum, s) => sum + (s.seconds - mx) ** 2, 0);
  return slope * 600;
}

/** Each named number's trend, over the samples that have it (a sample /bench/memory missed lacks V8's figures). */
function trendsOf(samples, names, read) {
  const trends = {};
  for (const name of names) {
    const having = samples.filter((s) => Number.isFinite(read(s, name)));
    if (having.length >= 2) trends[name] = trendPer10Min(having, (s) => read(s, name));
  }
  return trends;
}

/**
 * Where the server's memory is, in MiB (the benchmarks' entry answers /bench/memory): V8's heap as
 * reserved (heapTotal) and as resident (heapPhysical), its objects (heapUsed), the buffers outside
 * it (external, arrayBuffers), what V8 itself has malloc'ed, and each heap space's resident size.
 * Empty when the server does not answer within a second.
 */
async function heapOf(server) {
  try {
    const response = await fetch(`${server.url}/bench/memory`, { signal: AbortSignal.timeout(1000) });
    const usage = await response.json();
    return {
      heapTotalMiB: usage.heapTotal / MiB,
      heapPhysicalMiB: usage.heapPhysical / MiB,
      heapUsedMiB: usage.heapUsed / MiB,
      externalMiB: usage.external / MiB,
      arrayBuffersMiB: usage.arrayBuffers / MiB,
      v8MallocedMiB: usage.malloced / MiB,
      spacesPhysicalMiB: Object.fromEntries(Object.entries(usage.spaces).map(([name, space]) => [name, space.physical / MiB])),
    };
  } catch {
    return {};
  }
}

/**
 * The RSS's parts compared in the soak's trends. v8Pages*: V8's regular heap pages as the kernel
 * counts them (lib.mjs, v8PagesOf), mapped and resident; otherAnon: the anonymous memory outside
 * them (malloc's heaps, large objects, stacks), where a native leak would show, from the same read.
 */
const SOAK_PARTS = [
  'anonMiB',
  'fileMiB',
  'v8PagesMappedMiB',
  'v8PagesResidentMiB',
  'otherAnonMiB',
  'heapTotalMiB',
  'heapPhysicalMiB',
  'heapUsedMiB',
  'externalMiB',
  'arrayBuffersMiB',
  'v8MallocedMiB',
];

/** Steady user.me load on one fresh server for `duration` s, its memory every 10 s, by part. */
async function soak(server, meCase, duration) {
  const samples = [];
  const started = Date.now();
  const sample = async () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const memory = memoryOf(server.pid);
    const heap = await heapOf(server);
    samples.push({ seconds, ...memory, ...v8PagesOf(server.pid), ...heap, cpuSeconds: cpuSeconds(server.pid) });
    process.stderr.write(`\rsoak ${seconds}/${duration} s: RSS ${memory.rssMiB.toFixed(1)} MiB   `);
  };
  await sample();
  // One sample every 10 s, each finished before the next is due and before the last one is taken.
  const stop = new AbortController();
  const sampling = (async () => {
    while (!stop.signal.aborted) {
      await delay(10_000, undefined, { signal: stop.signal }).catch(() => {});
      if (!stop.signal.aborted) await sample();
    }
  })();
  const result = await runWrk({ ...meCase, pid: server.pid }, { seconds: duration, threads, connections });
  stop.abort();
  await sampling;
  await sample();
  process.stderr.write('\n');
  // Growth after the first minute (start-up, JIT and pools settled by then): a least-squares slope,
  // of the RSS and of each of its parts, so that a growth says where it is.
  const settled = samples.filter((s) => s.seconds >= 60);
  const spaceNames = [...new Set(settled.flatMap((s) => Object.keys(s.spacesPhysicalMiB ?? {})))];
  const partTrends = trendsOf(settled, SOAK_PARTS, (s, part) => s[part]);
  return {
    seconds: duration,
    connections,
    requests: result.requests,
    rps: result.rps,
    non2xx: result.non2xx,
    samples,
    heapSamplesMissed: samples.filter((s) => !finite(s.heapPhysicalMiB)).length,
    rssAt60MiB: settled[0]?.rssMiB ?? NaN,
    rssEndMiB: samples.at(-1).rssMiB,
    rssMaxAfter60MiB: Math.max(...settled.map((s) => s.rssMiB)),
    slopeMiBPer10Min: trendPer10Min(settled, (s) => s.rssMiB),
    partsSlopeMiBPer10Min: Object.fromEntries(Object.entries(partTrends).map(([part, trend]) => [part.replace(/MiB$/, ''), trend])),
    spacesPhysicalSlopeMiBPer10Min: trendsOf(settled, spaceNames, (s, name) => s.spacesPhysicalMiB?.[name]),
  };
}

/** What the report keeps of a paired comparison (comparePaired's result). */
function pairedSummary(compared) {
  return {
    pairs: compared.kept,
    starved: compared.starved,
    failed: compared.failed,
    cpuRatio: compared.cpuRatio,
    rpsRatio: compared.rpsRatio,
    cpuRange: compared.cpuRange,
    rpsRange: compared.rpsRange,
    cpuShare: compared.cpuShare,
    samples: compared.samples,
  };
}

const database = await benchDatabase('bench');
try {
  const base = await serverEnvironment({ databaseUrl: database.url, processes });
  const benchServer = await buildBenchServer();
  const go = buildGoReference();
  process.stderr.write(
    go.skipped ? `Gin reference skipped: ${go.skipped}\n` : `Gin reference ${go.reused ? 'reused' : 'built'}: ${go.binary}\n`,
  );
  await migrate(base);
  // The product order.create buys: stock no run can exhaust, so every order is a full one.
  const [product] = await database.admin.query(
    `INSERT INTO \`${database.name}\`.products (title, description, price_fen, stock, image_url, on_shelf, created_at, updated_at) VALUES ('压测商品', '', 1990, 2000000000, NULL, 1, NOW(3), NOW(3))`,
  );
  process.env.BENCH_PRODUCT_ID = String(product.insertId);
  // One signed-in user, as the app would be, with a phone to mask.
  const { headers: auth } = await seedSignedInUser(database.admin, database.name, base.JWT_SECRET);

  const servers = {};
  const launch = async (name, args, env, command) => {
    const { url, pid } = await startServer(processes, args, { env, command });
    servers[name] = { url, pid };
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
  for (const [name, host] of leanServers) await launch(name, [benchServer], { ...base, TRPC_HOST: host, ...soakServerEnv });
  const meUrl = (server) => `${server.url}${ME_PATH}`;

  if (soakSeconds > 0) {
    const soaked = {
      ...(await soak(servers.lean, { url: meUrl(servers.lean), headers: auth }, soakSeconds)),
      server: 'bundled server (lean tRPC host), user.me',
      serverEnv: soakServerEnv,
    };
    writeOutput('soak.json', soaked);
    console.log(
      `soak, ${soakSeconds} s of user.me at ${soaked.rps.toFixed(0)} req/s (${soaked.non2xx} non-2xx): RSS ${soaked.rssAt60MiB.toFixed(1)} MiB at 60 s, ` +
        `${soaked.rssEndMiB.toFixed(1)} MiB at the end, at most ${soaked.rssMaxAfter60MiB.toFixed(1)} MiB after the first minute; ` +
        `trend after the first minute ${signed(soaked.slopeMiBPer10Min)} MiB per 10 min`,
    );
    console.log(`  its parts, MiB per 10 min: ${trendsText(soaked.partsSlopeMiBPer10Min)}`);
    const end = soaked.samples.at(-1);
    console.log(
      `  V8's regular pages at the end: ${end.v8PagesMappedMiB.toFixed(1)} MiB mapped, ${end.v8PagesResidentMiB.toFixed(1)} resident; the anonymous memory outside them ${end.otherAnonMiB.toFixed(1)} MiB`,
    );
    console.log(`  V8's heap spaces as resident, MiB per 10 min: ${trendsText(soaked.spacesPhysicalSlopeMiBPer10Min)}`);
    if (soaked.heapSamplesMissed > 0)
      console.log(`  /bench/memory did not answer ${soaked.heapSamplesMissed} of ${soaked.samples.length} samples`);
  } else {
    await launch('floor', [join(ROOT, 'bench/floor-server.mjs')], base);
    if (!go.skipped) await launch('gin', [], base, go.binary);

    // The references answer what the bare route answers, byte for byte, and user.me the same data.
    const bareBody = await bodyOf(`${servers.lean.url}/bench/user-me`, auth);
    for (const name of ['floor', ...(go.skipped ? [] : ['gin'])]) {
      const body = await bodyOf(`${servers[name].url}/bench/user-me`, auth);
      if (body !== bareBody) throw new Error(`${name} answers ${body}, the bare route ${bareBody}`);
    }
    const meBody = await bodyOf(meUrl(servers.lean), auth);
    // The steps between the bare route and user.me answer user.me's body, byte for byte.
    for (const step of HOST_STEPS) {
      const body = await bodyOf(`${servers.lean.url}${step.path}`, auth);
      if (body !== meBody) throw new Error(`${step.path} answers ${body}, user.me ${meBody}`);
    }
    const meData = superjson.deserialize(JSON.parse(meBody)[0].result.data);
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
      { name: 'health', key: 'health', ...servers.lean, url: `${servers.lean.url}${trpcQueryPath('health')}` },
      {
        name: 'batch: user.me,health,user.me',
        key: 'batch',
        ...servers.lean,
        url: `${servers.lean.url}${trpcQueryPath('user.me', 'health', 'user.me')}`,
        headers: auth,
      },
      {
        name: 'auth.login (WeChat mock + sign-in writes)',
        key: 'login',
        ...servers.lean,
        url: `${servers.lean.url}${LOGIN_TARGET.path}`,
        script: LOGIN_TARGET.script,
      },
      {
        name: 'order.create (stock reserved, 4 writes in a transaction)',
        key: 'order',
        ...servers.lean,
        url: `${servers.lean.url}/trpc/order.create?batch=1`,
        headers: auth,
        script: join(ROOT, 'bench/order.lua'),
      },
    ];

    process.stderr.write('warming up…\n');
    const warmUpSeconds = {};
    for (const testCase of cases) warmUpSeconds[testCase.key] = await warmUntilSteady(testCase);
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
    for (const key of ['me', 'bare', 'login']) await warmUntilSteady(onProcess(servers.partner, key));

    // Paired: user.me on one process while the other serves the reference, at the same time. Against
    // the bare route the two processes are the same server, so the roles swap every other pair.
    // Pairs that failed, had non-2xx answers or that the machine starved: left out, and counted
    // (lib.mjs, comparePaired).
    const comparisons = [
      {
        key: 'bare',
        against: 'the bare route',
        sides: [onProcess(servers.lean, 'me'), onProcess(servers.partner, 'bare')],
        alternate: [onProcess(servers.partner, 'me'), onProcess(servers.lean, 'bare')],
      },
      ...(go.skipped ? [] : [{ key: 'gin', against: 'Gin', sides: [caseOf('me'), caseOf('gin')] }]),
      { key: 'floor', against: 'the floor', sides: [caseOf('me'), caseOf('floor')] },
    ];
    const paired = {};
    for (const comparison of comparisons) {
      const compared = await comparePaired(...comparison.sides, {
        pairs: pairedRounds * 2,
        seconds,
        connections,
        alternate: comparison.alternate,
        // Every case warmed by the rounds above, the partner just before.
        warmUp: false,
        describe: (pair) =>
          `user.me CPU ${pair.cpuRatio.toFixed(2)}× ${comparison.against}'s (${pair.cpuA.toFixed(0)} vs ${pair.cpuB.toFixed(0)} µs), req/s ${pair.rpsRatio.toFixed(2)}×`,
      });
      paired[comparison.key] = { against: comparison.against, ...pairedSummary(compared) };
    }

    // auth.login against user.me, paired as above: one process signs in while the other serves
    // user.me, the roles swapping every other pair; login's req/s over user.me's.
    const loginCompared = await comparePaired(onProcess(servers.lean, 'login'), onProcess(servers.partner, 'me'), {
      pairs: pairedRounds * 2,
      seconds,
      connections,
      alternate: [onProcess(servers.partner, 'login'), onProcess(servers.lean, 'me')],
      warmUp: false,
      describe: (pair) =>
        `auth.login ${pair.rpsRatio.toFixed(2)}× user.me's req/s (${pair.rpsA.toFixed(0)} vs ${pair.rpsB.toFixed(0)}), CPU per request ${pair.cpuRatio.toFixed(2)}× (${pair.cpuA.toFixed(0)} vs ${pair.cpuB.toFixed(0)} µs)`,
    });
    const loginPaired = pairedSummary(loginCompared);

    // Where user.me's extra CPU over the bare route goes: paired as above, each step against the
    // one before it (bare → text → validated → user.me), on the same two processes, each step's
    // route warmed on both as every case above was.
    const stepCase = (server, key) => {
      const step = HOST_STEPS.find((s) => s.key === key);
      return step ? { name: step.key, url: `${server.url}${step.path}`, headers: auth, pid: server.pid } : onProcess(server, key);
    };
    for (const server of [servers.lean, servers.partner]) {
      for (const step of HOST_STEPS) await warmUntilSteady(stepCase(server, step.key));
    }
    const hostSteps = [];
    for (const [from, to, label] of [
      ['bare', 'text', "the answer written as the host writes it (superjson's form in tRPC's JSON)"],
      ['text', 'validated', "user.me's output validation (zod, compiled as the host's)"],
      ['validated', 'me', "the call through the lean host and tRPC's procedure (the request read, the context, the middlewares)"],
    ]) {
      const compared = await comparePaired(stepCase(servers.lean, to), stepCase(servers.partner, from), {
        pairs: pairedRounds * 2,
        seconds,
        connections,
        alternate: [stepCase(servers.partner, to), stepCase(servers.lean, from)],
        warmUp: false,
        describe: (pair) => `${to} CPU ${pair.cpuRatio.toFixed(3)}× ${from}'s (${pair.cpuA.toFixed(0)} vs ${pair.cpuB.toFixed(0)} µs)`,
      });
      hostSteps.push({ from, to, label, ...pairedSummary(compared) });
    }
    const hostStepsProduct = stepsProduct(hostSteps);

    // Memory: a server that served nothing before, after a minute of user.me.
    const idle = memoryOf(servers.fresh.pid);
    const loaded = await measure({ name: 'memory', url: meUrl(servers.fresh), headers: auth }, rssSeconds);
    const memory = {
      seconds: rssSeconds,
      rps: loaded.rps,
      idleRssMiB: idle.rssMiB,
      ...memoryOf(servers.fresh.pid),
      // The references, after all their rounds of this run (for scale; they were not loaded a minute on end).
      references: Object.fromEntries(['floor', ...(go.skipped ? [] : ['gin'])].map((name) => [name, memoryOf(servers[name].pid).rssMiB])),
    };
    process.stderr.write(`RSS after ${rssSeconds} s of user.me: ${memory.rssMiB.toFixed(1)} MiB (idle ${idle.rssMiB.toFixed(1)} MiB)\n`);

    const summary = summarize(cases, samples);
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
      cpuGroups: cpuGroups(),
      gin: go.skipped ? { skipped: go.skipped } : { reused: go.reused, goVersion: go.goVersion },
      body: bareBody,
      cases: summary,
      pairedAgainst: paired,
      loginVsMe: row('login').rps / row('me').rps,
      loginPaired,
      hostSteps,
      warmUpSeconds,
      memory,
    };
    writeOutput('http-load.json', result);

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
        `paired (${p.pairs} simultaneous pairs${p.starved ? `, ${p.starved} starved left out` : ''}${p.failed ? `, ${p.failed} failed or with non-2xx left out` : ''}): user.me over the lean host costs ${p.cpuRatio.toFixed(2)}× ${p.against}'s CPU per request (pairs ${rangeText(p.cpuRange)}×), ${p.rpsRatio.toFixed(2)}× its req/s`,
      );
    }
    console.log(
      `auth.login: ${loginPaired.rpsRatio.toFixed(2)}× user.me's req/s paired (${loginPaired.pairs} pairs, ${rangeText(loginPaired.rpsRange)}×), ${result.loginVsMe.toFixed(2)}× in the sequential rounds`,
    );
    console.log(
      `user.me's CPU over the bare route's, step by step (paired): ${hostSteps
        .map((step) => `${step.to} ${finite(step.cpuRatio) ? step.cpuRatio.toFixed(3) : '?'}× ${step.from}`)
        .join(', ')}; their product ${hostStepsProduct === null ? 'unknown (a step did not measure)' : `${hostStepsProduct.toFixed(3)}×`}`,
    );
    console.log(
      `RSS after ${rssSeconds} s of user.me: ${memory.rssMiB.toFixed(1)} MiB (peak ${memory.peakMiB.toFixed(1)}, idle ${memory.idleRssMiB.toFixed(1)})`,
    );
  }
} finally {
  await processes.stopAll();
  await database.dispose();
}
