// `npm run bench`: builds the server and the weapp, runs every benchmark in turn, and writes the
// report to bench/RESULTS.md (machine, date, and the tables). Needs MariaDB and wrk (npm run setup).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { GO_HINT } from './go-reference.mjs';
import { finite, numberArg, rangeText, requireDatabase, ROOT as root, signed, stepsProduct, trendsText } from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log(
    [
      'Usage: npm run bench [-- --soak <seconds>]',
      '  builds, then cold start, HTTP load, WeChat Pay notifications, tracing cost and weapp size; writes bench/RESULTS.md (about 15 minutes).',
      '  --soak <seconds>: also a soak, one server under steady user.me load that long, its memory every 10 s (600: ten minutes).',
      '  --report: run nothing, write RESULTS.md again from the last outputs in bench/out.',
      `The Go/Gin reference is built when Go is installed, else skipped with a note (${GO_HINT}).`,
    ].join('\n'),
  );
  process.exit(0);
}
const soakSeconds = numberArg('soak', 0);

const steps = [
  ['build the server', 'npm', ['run', 'build', '--workspace', '@app/server']],
  ['build the weapp', 'npm', ['run', 'build:weapp:check', '--workspace', '@app/miniprogram']],
  ['cold start', process.execPath, ['bench/cold-start.mjs']],
  ['HTTP load', process.execPath, ['bench/http-load.mjs']],
  ['WeChat Pay notifications', process.execPath, ['bench/notify.mjs']],
  ['tracing cost', process.execPath, ['bench/tracing.mjs']],
  ...(soakSeconds > 0 ? [['soak', process.execPath, ['bench/http-load.mjs', '--soak', String(soakSeconds)]]] : []),
];
// --report: only write RESULTS.md again from the outputs of the last run (bench/out/*.json).
if (!process.argv.includes('--report')) await requireDatabase();
for (const [name, command, args] of process.argv.includes('--report') ? [] : steps) {
  console.log(`\n==> ${name}`);
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
  if (status !== 0) process.exit(status ?? 1);
}

const read = (file) => JSON.parse(readFileSync(join(root, file), 'utf8'));
const version = (command, args) => {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .split('\n')[0]
      .trim();
  } catch (error) {
    // wrk prints its version with a non-zero exit status.
    return (error.stdout?.toString() || error.stderr?.toString() || 'unknown').split('\n')[0].trim();
  }
};
const cold = read('bench/out/cold-start.json');
const load = read('bench/out/http-load.json');
const notify = read('bench/out/notify.json');
// Absent when --report reads the outputs of a run from before tracing.mjs existed.
const tracing = existsSync(join(root, 'bench/out/tracing.json'))
  ? read('bench/out/tracing.json')
  : { comparisons: [], pairs: 0, seconds: 0, connections: 0, exports: 0 };
const soak =
  soakSeconds > 0 || (process.argv.includes('--report') && existsSync(join(root, 'bench/out/soak.json')))
    ? read('bench/out/soak.json')
    : null;
const size = existsSync(join(root, 'apps/miniprogram/dist/weapp-check-size.json'))
  ? read('apps/miniprogram/dist/weapp-check-size.json')
  : null;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * Whether the soak grew anything but V8's mapped pages coming back resident: the anonymous memory
 * outside V8's pages (a native leak), the pages mapped and V8's old space (a leak of live objects),
 * each trending under 0.5 % of the RSS per 10 minutes. The RSS itself may rise while pages V8 holds
 * with little resident fill again, at most by the pages mapped and not resident as long as the
 * pages mapped stay flat. Undefined for a soak from before the pages were sampled.
 */
function soakGrowth(soak) {
  const parts = soak.partsSlopeMiBPer10Min;
  const oldSpace = soak.spacesPhysicalSlopeMiBPer10Min?.old_space;
  if (parts?.otherAnon === undefined || parts.v8PagesMapped === undefined || oldSpace === undefined) return undefined;
  const bar = 0.005 * soak.rssAt60MiB;
  return { parts, oldSpace, met: parts.otherAnon <= bar && parts.v8PagesMapped <= bar && oldSpace <= bar, bar };
}

function soakTargetRow(soak) {
  const growth = soakGrowth(soak);
  const rss = `RSS ${soak.rssAt60MiB.toFixed(0)} MiB at 1 min, ${soak.rssEndMiB.toFixed(0)} MiB at the end, trend after the first minute ${signed(soak.slopeMiBPer10Min)} MiB per 10 min`;
  if (growth === undefined)
    return `| no memory growth over a ${Math.round(soak.seconds / 60)}-minute soak at steady load | ${rss} (a soak from before its parts were sampled) | – |`;
  const { parts, oldSpace, met, bar } = growth;
  // What the RSS can still grow by without V8 mapping one more page: its pages not resident at the end.
  const end = soak.samples.at(-1);
  const notResidentMiB = end.v8PagesMappedMiB - end.v8PagesResidentMiB;
  return (
    `| no memory growth over a ${Math.round(soak.seconds / 60)}-minute soak at steady load (met: no leak, the anonymous memory outside V8's heap pages, the pages V8 maps and its old space each trend under 0.5 % of the RSS, ${bar.toFixed(1)} MiB, per 10 min; the RSS may still rise by mapped pages coming back resident) | ` +
    `${rss}: outside V8's pages ${signed(parts.otherAnon)}, V8's pages mapped ${signed(parts.v8PagesMapped)}, old space ${signed(oldSpace)}; V8's pages resident ${signed(parts.v8PagesResident)} (${notResidentMiB.toFixed(1)} MiB of the pages mapped not resident at the end) | ${met ? 'yes' : 'no'} |`
  );
}

/**
 * The soak table's rows for the RSS's parts, each where the soak sampled it (older soaks lack some;
 * a sample /bench/memory missed shows –): anonymous memory, V8's regular pages as the kernel counts
 * them (mapped, resident) and the anonymous memory outside them, V8's own figures for its heap.
 */
function soakPartRows(columns) {
  const cell = (value) => (Number.isFinite(value) ? value.toFixed(1) : '–');
  const rows = [
    ['anonymous MiB', (x) => x.anonMiB],
    ["V8's heap pages, mapped MiB", (x) => x.v8PagesMappedMiB],
    ["V8's heap pages, resident MiB", (x) => x.v8PagesResidentMiB],
    ["anonymous, outside V8's heap pages MiB", (x) => x.otherAnonMiB],
    ["V8's heap, reserved MiB (V8's count)", (x) => x.heapTotalMiB],
    ["V8's heap, resident MiB (V8's estimate)", (x) => x.heapPhysicalMiB],
    ['  of it old space', (x) => x.spacesPhysicalMiB?.old_space],
    ['  of it new space', (x) => x.spacesPhysicalMiB?.new_space],
    ["V8's own malloc MiB", (x) => x.v8MallocedMiB],
  ];
  return rows
    .filter(([, value]) => columns.some((x) => Number.isFinite(value(x))))
    .map(([label, value]) => `| ${label} | ${columns.map((x) => cell(value(x))).join(' | ')} |`);
}

// The soak table: every sixth sample (one a minute).
const soakColumns = soak ? soak.samples.filter((_, i) => i % 6 === 0) : [];
const byKey = Object.fromEntries(load.cases.map((row) => [row.key, row]));
// Absent when --report reads the outputs of a run from before login was paired.
const loginPaired = load.loginPaired ?? null;

const gin = load.pairedAgainst.gin ?? null;
const bare = load.pairedAgainst.bare;
// A NaN (a case with no requests) comes back from JSON as null.
const ratio = (value, digits = 2) => (finite(value) ? `${value.toFixed(digits)}×` : '–');
// Whether a measured value meets its target; '–' when there is none (no pairs kept: null, which `<=` takes for 0).
const met = (value, ok) => (finite(value) ? (ok(value) ? 'yes' : 'no') : '–');
// Targets get three digits: 0.897× printed as 0.90× would read as met.
const exact = (value) => ratio(value, 3);
const hostStepsProduct = load.hostSteps ? stepsProduct(load.hostSteps) : null;
// A whole number of µs; '–' for a comparison whose pairs all failed (NaN, written to JSON as null).
const whole = (value) => (finite(value) ? value.toFixed(0) : '–');
// What CPU time `who` (the first process of a pair) got over the other's, median of the pairs;
// nothing for outputs from before it was measured.
const shareText = (p, who) => (finite(p.cpuShare) ? `; ${who} got ${ratio(p.cpuShare)} the CPU time of the other's` : '');
// The cold-start goals against the ES module reference they were set against, and against the least
// (a CommonJS bare server, which does not load Node's built-in undici); outputs from before the
// least was measured have only the first.
const toLeast = (ms) => (finite(cold.leastMs) && finite(ms) ? ms / cold.leastMs : NaN);
const vsLeast = (ms) => ratio(toLeast(ms));
const leastText = (ms) =>
  finite(toLeast(ms)) ? `; against the least, a CommonJS bare server (${cold.leastMs.toFixed(0)} ms): ${exact(toLeast(ms))}` : '';
const coldMet = (value, ms, goal) =>
  finite(toLeast(ms))
    ? `${met(value, (v) => v <= goal)} (against the least: ${met(toLeast(ms), (v) => v <= goal)})`
    : met(value, (v) => v <= goal);
const pairedLine = (p) =>
  `- user.me against ${p.against}: CPU per request ${ratio(p.cpuRatio)} (pairs ${rangeText(p.cpuRange)}×), req/s ${ratio(p.rpsRatio)}, median of ${p.pairs} pairs${p.starved ? ` (${p.starved} starved by the machine left out)` : ''}${p.failed ? ` (${p.failed} failed or with non-2xx answers left out)` : ''}${shareText(p, "user.me's process")}`;

const lines = [
  '# Benchmark results',
  '',
  process.argv.includes('--report')
    ? `Written by \`node bench/run.mjs --report\` on ${new Date().toISOString().slice(0, 10)} from the last outputs in bench/out, which may come from separate runs; within each benchmark, everything compared as ratios.`
    : `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Everything in one run, compared as ratios.`,
  '',
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${version('mariadbd', ['--version'])}; ${version('wrk', ['--version'])}; ${load.gin.goVersion ?? 'no Go (the Gin reference skipped)'}.`,
  '',
  '## Targets',
  '',
  '| target | measured | met |',
  '| --- | --- | --- |',
  gin
    ? `| \`user.me\`'s server CPU per request ≤ 2× a Go/Gin server's doing the same work (paired${load.cpuGroups ? ', each in a CPU group of its own' : ''}) | ${exact(gin.cpuRatio)} (sequential rounds: ${ratio(byKey.me.cpuVsGin)}) | ${met(gin.cpuRatio, (v) => v <= 2)} |`
    : `| \`user.me\`'s server CPU per request ≤ 2× a Go/Gin server's | not measured: ${load.gin.skipped} | – |`,
  `| \`user.me\` through the tRPC host ≥ 0.9× the bare route's throughput (paired) | ${exact(bare.rpsRatio)} (sequential rounds: ${ratio(byKey.me.rpsRatio)}) | ${met(bare.rpsRatio, (v) => v >= 0.9)} |`,
  `| its server CPU per request ≤ 1.1× the bare route's (paired) | ${exact(bare.cpuRatio)} (sequential rounds: ${ratio(byKey.me.cpuRatio)}) | ${met(bare.cpuRatio, (v) => v <= 1.1)} |`,
  loginPaired
    ? `| \`auth.login\` throughput ≥ 0.3× \`user.me\`'s (paired) | ${exact(loginPaired.rpsRatio)} (sequential rounds: ${ratio(load.loginVsMe)}) | ${met(loginPaired.rpsRatio, (v) => v >= 0.3)} |`
    : `| \`auth.login\` throughput ≥ 0.3× \`user.me\`'s | ${exact(load.loginVsMe)} | ${met(load.loginVsMe, (v) => v >= 0.3)} |`,
  `| spawn → first authenticated \`user.me\` 200 on MariaDB ≤ 2× a bare \`node:http\` server's spawn → first 200 | ${exact(cold.meRatio)} (${cold.meMs.toFixed(0)} ms against ${cold.bareMs.toFixed(0)} ms)${leastText(cold.meMs)} | ${coldMet(cold.meRatio, cold.meMs, 2)} |`,
  `| bundled server cold start (/healthz, SQLite) ≤ 1.5× a bare \`node:http\` server's | ${exact(cold.ratio)} (${cold.bundledMs.toFixed(0)} ms against ${cold.bareMs.toFixed(0)} ms)${leastText(cold.bundledMs)} | ${coldMet(cold.ratio, cold.bundledMs, 1.5)} |`,
  ...tracing.comparisons
    .filter((row) => row.a === 'none')
    .map(
      (row) =>
        `| tracing off: no measurable cost, ≤ 1.02× the CPU per request of the build without tracing code, ${row.path === 'me' ? '`user.me`' : '`auth.login`'} (paired) | ${exact(row.ratio)} (pairs ${rangeText(row.range, 3)}) | ${met(row.ratio, (v) => v <= 1.02)} |`,
    ),
  soak ? soakTargetRow(soak) : '| no memory growth over a 10-minute soak at steady load | not run (`npm run bench -- --soak 600`) | – |',
  '',
  '## HTTP load',
  '',
  `wrk -t${load.threads} -c${load.connections}, ${load.rounds} alternating rounds of ${load.seconds} s per case, medians${load.pinned ? "; servers pinned to core 0, wrk and the WeChat mock (standing in for WeChat's servers) to core 1" : ''}.`,
  ...(load.warmUpSeconds
    ? [
        `Each case warmed first by runs of 2 s until its CPU per request settled (the last three runs of 2 s within 5 % of each other; 8 to 24 s): ${Object.entries(
          load.warmUpSeconds,
        )
          .map(([key, secs]) => `${byKey[key]?.name ?? key} ${secs} s`)
          .join(', ')}.`,
      ]
    : []),
  'The bundled server in production mode (NODE_ENV=production, LOG_LEVEL=info: one log line per request),',
  'MariaDB, no Redis, the WeChat mock as its own process. Server CPU per request from /proc/<pid>/stat (all threads).',
  "The references do user.me's work (verify the HS256 token: iss, aud, exp; the in-memory revocation check; one primary-key select; the same JSON, phone masked; a request id, helmet's headers and one log line per request) and answer the bare route's body byte for byte (checked at the start of the run):",
  `Go/Gin (bench/gin/main.go, ${load.gin.skipped ? 'skipped' : load.gin.reused ? 'binary reused' : 'built in this run'}), the floor (bench/floor-server.mjs: node:http, raw mysql2, crypto.createHmac), and the bare Fastify route inside the server.`,
  '',
  '| case | req/s | p50 ms | p99 ms | server CPU µs/req | CPU vs Gin | req/s vs bare | CPU vs bare | non-2xx |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...load.cases.map(
    (row) =>
      `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.cpuUsPerRequest.toFixed(0)} | ${row.cpuVsGin === null ? '–' : ratio(row.cpuVsGin)} | ${ratio(row.rpsRatio)} | ${ratio(row.cpuRatio)} | ${row.non2xx} |`,
  ),
  '',
  `Paired: pairs of ${load.seconds} s in which two server processes share core 0 under load at the same time (user.me on one, the reference on the other; against the bare route both are the bundled server and the roles swap every other pair); medians of the pairs' ratios. These cancel the machine's drift, which the sequential rounds above do not: on this shared machine the same case measured twice in a row can differ by a third.`,
  ...(load.cpuGroups !== undefined
    ? [
        '',
        load.cpuGroups
          ? "Each server process in a CPU group of its own (a cgroup of the `cpu` controller, equal weights): two sharing core 0 get half of it each, whatever their threads. Without groups the scheduler shares by thread, and Go's runtime, which keeps several threads runnable, took 2–3× the CPU time of the Node server beside it, so the two ran at different loads. Each pair's share is given below: 1.00× is an even split."
          : 'No CPU groups on this machine (not root, or no `cpu` cgroup controller): the scheduler shares core 0 by thread, fair between two Node processes but not against Go, whose runtime keeps several threads runnable (the share each side got is given below: 1.00× is an even split).',
        '',
      ]
    : ['']),
  ...Object.values(load.pairedAgainst).map(pairedLine),
  '',
  loginPaired
    ? `- auth.login against user.me (one process signs in while the other serves user.me, the roles swapping every other pair): req/s ${ratio(loginPaired.rpsRatio)} (pairs ${rangeText(loginPaired.rpsRange)}×), CPU per request ${ratio(loginPaired.cpuRatio)}, median of ${loginPaired.pairs} pairs${shareText(loginPaired, 'the signing-in process')}; in the sequential rounds above ${ratio(load.loginVsMe)}.`
    : `\`auth.login\`: ${ratio(load.loginVsMe)} \`user.me\`'s req/s (sequential rounds above).`,
  ...(load.hostSteps
    ? [
        '',
        `Where \`user.me\`'s CPU over the bare route's goes, step by step, paired as above on the same two processes (bench/server-entry.ts: the bare route's work answered as the host answers \`user.me\`, byte for byte, then with \`user.me\`'s output validation too); each step against the one before it (their product ${finite(hostStepsProduct) ? exact(hostStepsProduct) : 'unknown: a step did not measure'}):`,
        '',
        ...load.hostSteps.map(
          (step) =>
            `- ${step.label}: ${finite(step.cpuRatio) ? exact(step.cpuRatio) : 'not measured'} (pairs ${rangeText(step.cpuRange, 3)}×, ${step.pairs} pairs${step.starved ? `, ${step.starved} starved left out` : ''}${step.failed ? `, ${step.failed} failed left out` : ''})${shareText(step, "the later step's process")}`,
        ),
      ]
    : []),
  '',
  '## Memory',
  '',
  `A bundled server that had served nothing, after ${load.memory.seconds} s of \`user.me\` (wrk -c${load.connections}, ${load.memory.rps.toFixed(0)} req/s): RSS **${load.memory.rssMiB.toFixed(0)} MiB** (peak ${load.memory.peakMiB.toFixed(0)} MiB; ${load.memory.idleRssMiB.toFixed(0)} MiB before the load). For scale, after their rounds of this run: ${Object.entries(
    load.memory.references,
  )
    .map(([name, mib]) => `${name === 'gin' ? 'Gin' : 'the floor'} ${mib.toFixed(0)} MiB`)
    .join(', ')}.`,
  ...(soak
    ? [
        '',
        `Soak: one fresh server, ${soak.seconds} s of \`user.me\` at steady load (wrk -c${soak.connections}, ${soak.rps.toFixed(0)} req/s, ${soak.non2xx} non-2xx), RSS every 10 s: ${soak.rssAt60MiB.toFixed(1)} MiB at 60 s, at most ${soak.rssMaxAfter60MiB.toFixed(1)} MiB after that, ${soak.rssEndMiB.toFixed(1)} MiB at the end; least-squares trend after the first minute ${signed(soak.slopeMiBPer10Min)} MiB per 10 minutes.`,
        '',
        `| s | ${soakColumns.map((x) => x.seconds).join(' | ')} |`,
        `| --- | ${soakColumns.map(() => '---').join(' | ')} |`,
        `| RSS MiB | ${soakColumns.map((x) => x.rssMiB.toFixed(0)).join(' | ')} |`,
        ...soakPartRows(soakColumns),
        ...(soak.partsSlopeMiBPer10Min
          ? [
              '',
              `Trends of the RSS's parts after the first minute, MiB per 10 minutes: ${trendsText(soak.partsSlopeMiBPer10Min)} (anon: anonymous memory, V8's heap and everything malloc'ed; v8PagesMapped, v8PagesResident: V8's regular heap pages (256 KiB mappings) as the kernel counts them; otherAnon: the anonymous memory outside V8's pages (smaps, the same read), where a native leak would show; heapTotal: V8's heap as reserved, heapPhysical: as resident by V8's estimate; heapUsed: V8's objects, live or not yet collected; v8Malloced: what V8 itself has malloc'ed).${soak.heapSamplesMissed ? ` /bench/memory did not answer ${soak.heapSamplesMissed} of ${soak.samples.length} samples.` : ''}`,
            ]
          : []),
      ]
    : []),
  '',
  '## WeChat Pay notifications',
  '',
  `\`POST /webhooks/wechatpay\` on the same server, set up as above (one process; no Redis, so the nonces are kept in its memory), wrk -t${notify.threads} -c${notify.connections}, ${notify.rounds} alternating rounds of ${notify.seconds} s per case, medians.`,
  "Each request a notification signed in advance with the WeChat mock's keys, with its own nonce and a timestamp from just before its round (bench/notify.mjs, bench/notify.lua).",
  `Duplicates go to ${notify.paidOrders} paid orders in turn; the pending orders carry their PREPARED payment, as pay.prepare leaves it.`,
  `Verification + decryption: readPaymentNotification measured in process (${notify.verifyUs.toFixed(0)} µs per notification, below), as a share of the server's CPU per request.`,
  '',
  '| case | req/s | p50 ms | p99 ms | server CPU µs/req | verification + decryption | non-2xx |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...notify.cases.map(
    (row) =>
      `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.cpuUsPerRequest.toFixed(0)} | ${(row.verifyShare * 100).toFixed(0)} % | ${row.non2xx} |`,
  ),
  '',
  `In process (packages/api's code from source), per notification: median of ${notify.inProcess.rounds} rounds of ${notify.inProcess.count}.`,
  '',
  '| step | µs |',
  '| --- | --- |',
  ...notify.inProcess.steps.map((step) => `| ${step.name} | ${step.us.toFixed(1)} |`),
  '',
  '## Tracing',
  '',
  `What OpenTelemetry tracing costs (bench/tracing.mjs): paired as above, ${tracing.goalPairs ? `${tracing.goalPairs} pairs of ${tracing.seconds} s against the build without tracing code (the goals), ${tracing.pairs} for the others` : `${tracing.pairs} pairs of ${tracing.seconds} s per comparison`}, wrk -c${tracing.connections} shared by the two sides; the server's CPU per request, B/A. "No tracing code" is the bench server built with the tracing seams replaced by do-nothing stand-ins (bench/no-tracing). On: spans exported over OTLP/HTTP to a sink that answers 200 (${tracing.exports} exports received).`,
  '',
  '| case | A | B | A µs/req | B µs/req | B/A (median) | pairs (range) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...tracing.comparisons.map(
    (row) =>
      `| ${row.path === 'me' ? 'user.me' : 'auth.login'} | ${row.a} | ${row.b} | ${whole(row.cpuA)} | ${whole(row.cpuB)} | ${exact(row.ratio)} | ${row.kept}${row.leftOut ? ` (${row.leftOut} left out)` : ''} (${rangeText(row.range)}) |`,
  ),
  '',
  'none: no tracing code; off: tracing off (the default: no exporter set); unsampled: on, the sampler keeping nothing (always_off); tenth: on, 10 % sampled (traceidratio 0.1); all: on, every request sampled (always_on).',
  '',
  '## Cold start',
  '',
  `Spawn to the first 200, median of ${cold.rounds} alternating rounds; ratios to the bare \`node:http\` server (bench/bare-http-server.mjs, an ES module, spawn → first 200: the reference the goals were set against) and to the least (bench/bare-http-server.cjs: the same server in CommonJS; importing node:http into an ES module makes Node build its namespace, whose WebSocket, CloseEvent and MessageEvent getters load Node's built-in undici, which the CommonJS server and the bundled server, CommonJS too, never load). The bundled server as \`npm start\` runs it (\`node $(cat dist/node-flags) dist/main.mjs\` with GLIBC_TUNABLES from dist/glibc-tunables: V8's young generation sized for a start, glibc's allocator using freed memory again and huge pages, its compile cache, NODE_ENV=production). The first \`user.me\`: a signed-in user seeded in a migrated MariaDB database, the authenticated request sent every 2 ms from spawn on (so it includes loading the driver, connecting, the revocation check and the select); LOG_LEVEL=info.`,
  '',
  '| server | spawn → first 200 | vs bare (ES module) | vs the least (CommonJS) |',
  '| --- | --- | --- | --- |',
  `| bare \`node:http\`, \`/healthz\`, ES module | ${cold.bareMs.toFixed(0)} ms | 1.00× | ${vsLeast(cold.bareMs)} |`,
  `| bare \`node:http\`, \`/healthz\`, CommonJS | ${finite(cold.leastMs) ? `${cold.leastMs.toFixed(0)} ms` : 'not measured'} | ${finite(cold.leastMs) ? ratio(cold.leastMs / cold.bareMs) : '–'} | ${vsLeast(cold.leastMs)} |`,
  `| bundled server, \`/healthz\` (SQLite) | ${cold.bundledMs.toFixed(0)} ms | ${ratio(cold.ratio)} | ${vsLeast(cold.bundledMs)} |`,
  `| bundled server, first authenticated \`user.me\` (MariaDB) | ${cold.meMs.toFixed(0)} ms | ${ratio(cold.meRatio)} | ${vsLeast(cold.meMs)} |`,
  cold.ginMeMs === null
    ? `| Go/Gin, first authenticated user.me work (MariaDB) | skipped: ${cold.gin.skipped} | – | – |`
    : `| Go/Gin, first authenticated user.me work (MariaDB) | ${cold.ginMeMs.toFixed(0)} ms | ${ratio(cold.ginMeMs / cold.bareMs)} | ${vsLeast(cold.ginMeMs)} |`,
  '',
  '## Mini-program size',
  '',
  ...(size
    ? [
        `weapp main package: **${kib(size.mainPackageBytes)}** (budget 450 KiB; WeChat's cap 2048 KiB). ${Object.entries(
          size.subpackageBytes,
        )
          .map(([rootDir, bytes]) => `Subpackage ${rootDir}: ${kib(bytes)}.`)
          .join(' ')}`,
        '',
        '| library | minified JS |',
        '| --- | --- |',
        ...size.libraries.slice(0, 12).map(({ library, bytes }) => `| ${library} | ${kib(bytes)} |`),
        '',
        '| largest files | size |',
        '| --- | --- |',
        ...size.files.slice(0, 6).map(({ file, bytes }) => `| ${file} | ${kib(bytes)} |`),
      ]
    : ['(no weapp build found)']),
  '',
];
writeFileSync(join(root, 'bench/RESULTS.md'), `${lines.join('\n')}`);
console.log(`\nwrote bench/RESULTS.md`);
