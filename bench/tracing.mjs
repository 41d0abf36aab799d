// What OpenTelemetry tracing costs (issue 16: off, no measurable cost, at most 2 % of a request's
// CPU; on, reported). Paired, as ab.mjs measures: two server processes on core 0 under load at
// once, per pair each one's CPU per request, the median of B/A.
//   off against the build without tracing code (build-server.mjs --without-tracing: the tracing
//     seams replaced by bench/no-tracing's stand-ins), for user.me and for auth.login (whose WeChat
//     call goes through inClientSpan even when tracing is off);
//   on against off, for user.me: every span made and none sampled (the sampler says no), 10 %
//     sampled, every request sampled; spans exported over OTLP/HTTP to a sink in this process
//     that answers 200 to every export.
// LOG_LEVEL=info, MariaDB, a seeded signed-in user, the WeChat mock for auth.login.
// The two comparisons against the build without tracing code decide a 2 % goal, and sign-ins
// spread more than that from pair to pair: they get 10 pairs (--goal-pairs), the rest 6 (--pairs).
// Usage: node bench/tracing.mjs [--pairs 6] [--goal-pairs 10] [--seconds 5] [--connections 50]
import { once } from 'node:events';
import { createServer } from 'node:http';
import { buildBenchServer, benchServerFile, noTracingServerFile } from './build-server.mjs';
import {
  benchDatabase,
  comparePaired,
  loadArgs,
  LOGIN_TARGET,
  ME_PATH,
  migrate,
  numberArg,
  processGroup,
  rangeText,
  seedSignedInUser,
  serverEnvironment,
  startServer,
  writeOutput,
} from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log('Usage: node bench/tracing.mjs [--pairs 6] [--goal-pairs 10] [--seconds 5] [--connections 50]');
  process.exit(0);
}
const pairs = numberArg('pairs', 6);
const goalPairs = numberArg('goal-pairs', 10);
const { seconds, connections } = loadArgs();

/** An OTLP/HTTP receiver that keeps nothing: reads each export and answers 200 (an empty ExportTraceServiceResponse). */
async function startSink() {
  let exports = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      exports += 1;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  // Port 0: the system picks a free one, read back once listening (no probe to race for it).
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, exports: () => exports, close: () => new Promise((resolve) => server.close(resolve)) };
}

process.stdout.write('building the bench server with and without tracing code… ');
await buildBenchServer(benchServerFile);
await buildBenchServer(noTracingServerFile, { tracing: false });
console.log('done');

const sink = await startSink();
const tracingOn = (sampler, ratio) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
  OTEL_TRACES_SAMPLER: sampler,
  ...(ratio === undefined ? {} : { OTEL_TRACES_SAMPLER_ARG: String(ratio) }),
});
const SERVERS = {
  none: { entry: noTracingServerFile, env: {}, label: 'no tracing code' },
  off: { entry: benchServerFile, env: {}, label: 'tracing off (the default)' },
  unsampled: { entry: benchServerFile, env: tracingOn('always_off'), label: 'on, nothing sampled' },
  tenth: { entry: benchServerFile, env: tracingOn('traceidratio', 0.1), label: 'on, 10 % sampled' },
  all: { entry: benchServerFile, env: tracingOn('always_on'), label: 'on, every request sampled' },
};
const COMPARISONS = [
  { key: 'offMe', a: 'none', b: 'off', path: 'me' },
  { key: 'offLogin', a: 'none', b: 'off', path: 'login' },
  { key: 'unsampledMe', a: 'off', b: 'unsampled', path: 'me' },
  { key: 'tenthMe', a: 'off', b: 'tenth', path: 'me' },
  { key: 'allMe', a: 'off', b: 'all', path: 'me' },
];

const database = await benchDatabase('bench_tracing');
const processes = processGroup();
const result = { pairs, goalPairs, seconds, connections, comparisons: [] };
try {
  const env = await serverEnvironment({ databaseUrl: database.url, processes, mock: true });
  await migrate(env);
  const { headers } = await seedSignedInUser(database.admin, database.name, env.JWT_SECRET);
  const targets = {
    me: { path: ME_PATH, headers, label: 'user.me' },
    // Every request a fresh code (login.lua), redeemed by the mock, as in http-load.mjs.
    login: { ...LOGIN_TARGET, headers: {}, label: 'auth.login' },
  };

  const running = {};
  for (const [name, server] of Object.entries(SERVERS)) {
    const { pid, url } = await startServer(processes, [server.entry], { env: { ...env, ...server.env } });
    running[name] = { pid, base: url };
  }

  for (const comparison of COMPARISONS) {
    const target = targets[comparison.path];
    const side = (name) => ({
      pid: running[name].pid,
      url: `${running[name].base}${target.path}`,
      headers: target.headers,
      script: target.script,
    });
    const [a, b] = [side(comparison.a), side(comparison.b)];
    const title = `${target.label}: ${SERVERS[comparison.b].label} against ${SERVERS[comparison.a].label}`;
    console.log(`\n${title}`);
    const row = {
      ...comparison,
      title,
      ...(await comparePaired(a, b, {
        pairs: comparison.a === 'none' ? goalPairs : pairs,
        seconds,
        connections,
        log: (line) => console.log(`  ${line}`),
      })),
    };
    result.comparisons.push(row);
    console.log(
      `  CPU per request A ${row.cpuA.toFixed(1)} µs, B ${row.cpuB.toFixed(1)} µs; B/A median ${row.ratio.toFixed(3)} of ${row.kept} pairs (${rangeText(row.range, 3)})`,
    );
  }
  result.exports = sink.exports();
  console.log(`\nOTLP exports received by the sink: ${result.exports}`);
} finally {
  await processes.stopAll();
  await database.dispose();
  await sink.close();
}
writeOutput('tracing.json', result);
