// Two builds of the server compared paired, for deciding whether a change pays on this noisy
// machine: the same measurement run on both at the same time, so the machine's drift cancels.
//   --mode load (default): both servers (bench-server bundles, `node bench/build-server.mjs <file>`)
//     on core 0, loaded at once by two wrk processes with half the connections each; per pair, each
//     one's CPU per request; the median of B/A over the pairs.
//   --mode cold: spawn → first authenticated user.me 200 (the bare route's: --path bare; /healthz's: --path health) on
//     MariaDB, A and B alternating (entries such as a copy of apps/server/dist/main.mjs with its
//     compile cache, started with the copy's node-flags and glibc-tunables as production starts it);
//     medians and B/A.
//     Not --path login: a sign-in is a POST, never a GET's 200.
// LOG_LEVEL=info, MariaDB, a seeded signed-in user; the WeChat mock only for --path login.
// Usage: node bench/ab.mjs --a <entry.mjs> --b <entry.mjs> [--mode load|cold] [--path me|bare|login|health]
//          [--pairs 8] [--seconds 5] [--connections 50] [--rounds 15] [--a-node "<node flags>"] [--b-node "<node flags>"] [--a-env NAME=value] [--b-env NAME=value]
import { dirname, resolve } from 'node:path';
import {
  benchDatabase,
  comparePaired,
  coldStart,
  loadArgs,
  LOGIN_TARGET,
  ME_PATH,
  median,
  migrate,
  numberArg,
  pristineCompileCache,
  processGroup,
  productionStart,
  rangeText,
  SERVER_DIR,
  seedSignedInUser,
  serverEnvironment,
  startServer,
  stringArg,
} from './lib.mjs';

const USAGE =
  'Usage: node bench/ab.mjs --a <entry.mjs> --b <entry.mjs> [--mode load|cold] [--path me|bare|login|health] [--pairs 8] [--seconds 5] [--connections 50] [--rounds 15] [--a-node "<flags>"] [--b-node "<flags>"] [--a-env NAME=value] [--b-env NAME=value]';
if (process.argv.includes('--help') || !stringArg('a') || !stringArg('b')) {
  console.log(USAGE);
  process.exit(process.argv.includes('--help') ? 0 : 2);
}
const mode = stringArg('mode', 'load');
const which = stringArg('path', 'me');
const PATHS = {
  me: { path: ME_PATH, label: 'user.me' },
  bare: { path: '/bench/user-me', label: 'bare route' },
  login: { path: LOGIN_TARGET.path, label: 'auth.login' },
  health: { path: '/healthz', label: '/healthz' },
};
if (!['load', 'cold'].includes(mode) || !(which in PATHS)) {
  console.error(`--mode is load or cold, --path me, bare, login or health\n${USAGE}`);
  process.exit(2);
}
// A cold start is timed to its first 200 on a GET, asked every 2 ms: auth.login is a mutation (a
// POST with a fresh code each time), which a GET never gets a 200 from.
if (mode === 'cold' && which === 'login') {
  console.error(
    '--mode cold times the first 200 of a GET: use --path me, bare or health (auth.login is a POST, measured with --mode load)',
  );
  process.exit(2);
}
const pairs = numberArg('pairs', 8);
const { seconds, connections } = loadArgs();
const rounds = numberArg('rounds', 15);
const sides = ['a', 'b'].map((side) => {
  const entry = resolve(stringArg(side));
  // Cold: a copy of apps/server/dist starts as production starts it (its node-flags and
  // glibc-tunables), then with any flags and variable given.
  const production = mode === 'cold' ? productionStart(dirname(entry)) : { nodeFlags: [], env: {} };
  return {
    side,
    entry,
    nodeArgs: [...production.nodeFlags, ...stringArg(`${side}-node`, '').split(' ').filter(Boolean)],
    // --a-env/--b-env NAME=value: one more variable for that side (e.g. FLOOR_STATEMENT=execute;
    // GLIBC_TUNABLES= for glibc's defaults).
    env: {
      ...production.env,
      ...Object.fromEntries([stringArg(`${side}-env`, '')].filter(Boolean).map((pair) => pair.split(/=(.*)/s).slice(0, 2))),
    },
  };
});
const { path, label } = PATHS[which];
// auth.login: every request a fresh code (login.lua), redeemed by the WeChat mock, as in http-load.mjs.
const script = which === 'login' ? LOGIN_TARGET.script : undefined;

const database = await benchDatabase('bench_ab');
const processes = processGroup();
try {
  const env = await serverEnvironment({ databaseUrl: database.url, processes, mock: which === 'login' });
  await migrate(env);
  const { headers } = await seedSignedInUser(database.admin, database.name, env.JWT_SECRET);

  if (mode === 'cold') {
    // Each start from its build's compile cache as built (lib.mjs, pristineCompileCache).
    const caches = Object.fromEntries(sides.map((s) => [s.side, pristineCompileCache(dirname(s.entry))]));
    const samples = { a: [], b: [] };
    for (let round = 1; round <= rounds; round += 1) {
      // Alternating which goes first, so that neither always follows the other.
      for (const s of round % 2 ? sides : [...sides].reverse()) {
        caches[s.side].restore();
        samples[s.side].push(await coldStart([...s.nodeArgs, s.entry], { cwd: SERVER_DIR, env: { ...env, ...s.env }, path, headers }));
      }
      process.stderr.write(`\rround ${round}/${rounds}: A ${samples.a.at(-1).toFixed(1)} ms, B ${samples.b.at(-1).toFixed(1)} ms   `);
    }
    for (const cache of Object.values(caches)) {
      cache.restore();
      cache.dispose();
    }
    const a = median(samples.a);
    const b = median(samples.b);
    // Also round by round: the two starts of a round are seconds apart, so their ratio cancels more of
    // the machine's drift than the medians' ratio does, and how often B was the quicker says whether
    // a difference of a few per cent is one (by chance, about half the rounds either way).
    const perRound = samples.b.map((ms, i) => ms / samples.a[i]);
    const bQuicker = perRound.filter((ratio) => ratio < 1).length;
    console.log(
      `\ncold start to the first ${label} 200, median of ${rounds} alternating rounds: A ${a.toFixed(1)} ms, B ${b.toFixed(1)} ms, B/A ${(b / a).toFixed(3)}` +
        `; round by round, B/A median ${median(perRound).toFixed(3)} (${rangeText([Math.min(...perRound), Math.max(...perRound)], 3)}), B the quicker in ${bQuicker} of ${rounds}`,
    );
  } else {
    const servers = [];
    for (const s of sides) {
      const { pid, url } = await startServer(processes, [...s.nodeArgs, s.entry], { env: { ...env, ...s.env } });
      servers.push({ ...s, pid, url: `${url}${path}`, headers, script });
    }
    const result = await comparePaired(servers[0], servers[1], { pairs, seconds, connections });
    console.log(
      `${label}, ${result.kept} of ${pairs} pairs of ${seconds} s (${result.leftOut} failed or starved left out): ` +
        `CPU per request A ${result.cpuA.toFixed(1)} µs, B ${result.cpuB.toFixed(1)} µs; ` +
        `B/A median ${result.ratio.toFixed(3)} (pairs ${rangeText(result.range, 3)})`,
    );
  }
} finally {
  await processes.stopAll();
  await database.dispose();
}
