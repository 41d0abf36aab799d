// `npm run bench`: builds the server and the weapp, runs every benchmark in turn, and writes the
// report to bench/RESULTS.md (machine, date, and the tables). Needs MariaDB and wrk (npm run setup).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.argv.includes('--help')) {
  console.log(
    'Usage: npm run bench   (builds, then cold start, HTTP load, WeChat Pay notifications and weapp size; writes bench/RESULTS.md; about 7 minutes)',
  );
  process.exit(0);
}

const steps = [
  ['build the server', 'npm', ['run', 'build', '--workspace', '@app/server']],
  ['build the weapp', 'npm', ['run', 'build:weapp:check', '--workspace', '@app/miniprogram']],
  ['cold start', process.execPath, ['bench/cold-start.mjs']],
  ['HTTP load', process.execPath, ['bench/http-load.mjs']],
  ['WeChat Pay notifications', process.execPath, ['bench/notify.mjs']],
];
for (const [name, command, args] of steps) {
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
const size = existsSync(join(root, 'apps/miniprogram/dist/weapp-check-size.json'))
  ? read('apps/miniprogram/dist/weapp-check-size.json')
  : null;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const byKey = Object.fromEntries(load.cases.map((row) => [row.key, row]));

const lines = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Everything in one run, compared as ratios.`,
  '',
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${version('mariadbd', ['--version'])}; ${version('wrk', ['--version'])}.`,
  '',
  '## Targets',
  '',
  '| target | measured | met |',
  '| --- | --- | --- |',
  `| \`user.me\` through the tRPC host ≥ 0.9× the bare route's throughput (paired) | ${load.paired.rpsRatio.toFixed(2)}× (sequential rounds: ${byKey.me.rpsRatio.toFixed(2)}×) | ${load.paired.rpsRatio >= 0.9 ? 'yes' : 'no'} |`,
  `| its server CPU per request ≤ 1.1× the bare route's (paired) | ${load.paired.cpuRatio.toFixed(2)}× (sequential rounds: ${byKey.me.cpuRatio.toFixed(2)}×) | ${load.paired.cpuRatio <= 1.1 ? 'yes' : 'no'} |`,
  `| bundled server cold start ≤ 1.5× a bare \`node:http\` server's | ${cold.ratio.toFixed(2)}× | ${cold.ratio <= 1.5 ? 'yes' : 'no'} |`,
  '',
  '## HTTP load',
  '',
  `wrk -t${load.threads} -c${load.connections}, ${load.rounds} alternating rounds of ${load.seconds} s per case, medians${load.pinned ? '; server pinned to core 0, wrk to core 1' : ''}.`,
  'The bundled server in production mode (NODE_ENV=production, LOG_LEVEL=info: one log line per request),',
  'MariaDB, no Redis, the WeChat mock as its own process. Server CPU per request from /proc/<pid>/stat.',
  `Paired: ${load.paired.pairs} pairs of ${load.seconds} s in which two processes of the server run user.me and the bare route at the same time (roles swapped every other pair); medians of the pairs' ratios: these cancel the machine's drift, which the sequential rounds below do not.`,
  '',
  '| case | req/s | p50 ms | p99 ms | server CPU µs/req | req/s vs bare | CPU vs bare | non-2xx |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...load.cases.map(
    (row) =>
      `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.cpuUsPerRequest.toFixed(0)} | ${row.rpsRatio.toFixed(2)}× | ${row.cpuRatio.toFixed(2)}× | ${row.non2xx} |`,
  ),
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
  '## Cold start',
  '',
  `Spawn to the first \`/healthz\` 200, median of ${cold.rounds} alternating rounds (SQLite, NODE_ENV=production).`,
  '',
  '| server | cold start |',
  '| --- | --- |',
  `| bare \`node:http\` (bench/bare-http-server.mjs) | ${cold.bareMs.toFixed(0)} ms |`,
  `| bundled server (\`node dist/main.mjs\`, compile cache) | ${cold.bundledMs.toFixed(0)} ms (${cold.ratio.toFixed(2)}×) |`,
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
